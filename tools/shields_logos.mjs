/*
 * How shields.io's server turns a badge's logo, logoColor, logoSize and style into the logo
 * and logo width it gives badge-maker, reproduced over the npm packages it uses, for the
 * tools that make pypipins' logo data and test fixtures. A reading of shields' lib/logos.js,
 * lib/load-simple-icons.js, lib/svg-helpers.js and core/base-service/coalesce-badge.js (2025),
 * written for these tools; SHIELDS.md in the project's shared notes says the same in words.
 *
 *   const shields = await loadShieldsLogos('/tmp/bm/node_modules')
 *   shields.logo({ logo: 'python', logoColor: 'white', style: 'flat', logoSize: 'auto' })
 *   // -> { logo: 'data:image/svg+xml;base64,...', logoWidth: 13.84... } (either may be undefined)
 *
 * Needs simple-icons@16.37.0, svg-path-bbox@2.1.0, svgpath@2.6.0, joi@17.13.9 and
 * badge-maker@6.0.0 in NODE_MODULES.
 */
import fs from 'fs'
import path from 'path'
import { createRequire } from 'module'
import { pathToFileURL } from 'url'

export const VERSIONS = { 'simple-icons': '16.37.0', 'svg-path-bbox': '2.1.0', svgpath: '2.6.0' }

const ALIASES = {
  azuredevops: 'azure-devops',
  eclipse: 'eclipse-ide',
  'gitter-white': 'gitter',
  scrutinizer: 'scrutinizer-ci',
  stackoverflow: 'stack-overflow',
  tfs: 'azure-devops',
  travis: 'travisci',
}
const LOGO_HEIGHT = 14

function checkVersions(nodeModules) {
  for (const [name, version] of Object.entries(VERSIONS)) {
    const pkg = JSON.parse(fs.readFileSync(path.join(nodeModules, name, 'package.json'), 'utf8'))
    if (pkg.version !== version) {
      throw new Error(`${name} ${pkg.version} found, ${version} expected`)
    }
  }
}

// The icon set as a module namespace (keys in code-unit order), and the geometry packages.
export async function loadPackages(nodeModules) {
  checkVersions(nodeModules)
  const require = createRequire(path.join(nodeModules, 'x.js'))
  const icons = await import(
    pathToFileURL(path.join(nodeModules, 'simple-icons', 'index.mjs')).href
  )
  const { svgPathBbox } = await import(pathToFileURL(require.resolve('svg-path-bbox')).href)
  const svgpath = (await import(pathToFileURL(require.resolve('svgpath')).href)).default
  return { icons, svgPathBbox, svgpath, require }
}

// shields' resetIconPosition (lib/svg-helpers.js): the path moved to the origin of its
// bounding box, every number then rounded to 3 decimals by svgpath, as written there (the
// bounding box is taken of the svgpath object, which svg-path-bbox copies).
export function resetIconPosition(svgPathBbox, svgpath, d) {
  const path = svgpath(d)
  const [offsetX, offsetY] = svgPathBbox(path)
  return path.translate(-offsetX, -offsetY).round(3).toString()
}

// shields' map of names to icons: a plain object, filled export by export (in the
// namespace's order) with the title lower-cased and the title with hyphens for spaces
// lower-cased, each unless `si` + that title as spelled is itself an export, then the slug.
export function iconMap(icons) {
  const map = {}
  for (const name of Object.keys(icons)) {
    const icon = icons[name]
    if (!(`si${icon.title}` in icons)) map[icon.title.toLowerCase()] = icon
    const hyphens = icon.title.replace(/ /g, '-')
    if (!(`si${hyphens}` in icons)) map[hyphens.toLowerCase()] = icon
    map[icon.slug] = icon
  }
  return map
}

export async function loadShieldsLogos(nodeModules) {
  const { icons, svgPathBbox, svgpath, require } = await loadPackages(nodeModules)
  const Joi = require('joi')
  const { toSvgColor, brightness, normalizeColor } = await import(
    pathToFileURL(path.join(nodeModules, 'badge-maker', 'lib', 'color.js')).href
  )
  const map = iconMap(icons)

  const toBase64 = svg => `data:image/svg+xml;base64,${Buffer.from(svg.trim()).toString('base64')}`

  function size(key) {
    if (!(key in map)) return undefined
    const [x0, y0, x1, y1] = svgPathBbox(map[key].path)
    return { width: x1 - x0, height: y1 - y0 }
  }

  function dataUri(value) {
    if (typeof value !== 'string') return undefined
    const withPrefix = value.startsWith('data:') ? value : `data:${value}`
    const candidate = withPrefix.replace(/ /g, '+').replace(/\s/g, '')
    try {
      Joi.assert(candidate, Joi.string().dataUri())
      return candidate
    } catch (e) {
      return undefined
    }
  }

  function named({ name, color, style, logoSize }) {
    let key = name.toLowerCase()
    if (key in ALIASES) key = ALIASES[key]
    key = key.replace(/ /g, '-')
    if (!(key in map)) return undefined
    const icon = map[key]
    const fill = toSvgColor(color)
    let svg
    if (fill) {
      svg = icon.svg.replace('<svg', `<svg fill="${fill}"`)
    } else {
      const value = brightness(normalizeColor(icon.hex))
      let brand = `#${icon.hex}`
      if (style !== 'social' && value <= 0.4) brand = 'whitesmoke'
      if (style === 'social' && value >= 0.6) brand = '#333'
      svg = icon.svg.replace('<svg', `<svg fill="${brand}"`)
    }
    if (logoSize === 'auto') {
      const { width, height } = size(key)
      if (width !== height) {
        const moved = resetIconPosition(svgPathBbox, svgpath, icon.path)
        svg = svg
          .replace('viewBox="0 0 24 24"', `viewBox="0 0 ${width} ${height}"`)
          .replace(/<path d=".*"\/>/, () => `<path d="${moved}"/>`)
      }
    }
    return toBase64(svg)
  }

  // What coalesce-badge gives badge-maker as logo and logoWidth for a ?logo= override.
  function logo({ logo, logoColor, style = 'flat', logoSize }) {
    const uri = dataUri(logo)
    if (uri) return { logo: uri, logoWidth: undefined }
    let logoWidth
    const iconSize = size(String(logo).toLowerCase())
    if (iconSize && logoSize === 'auto') {
      logoWidth = (iconSize.width / iconSize.height) * LOGO_HEIGHT
    }
    return { logo: named({ name: logo, color: logoColor, style, logoSize }), logoWidth }
  }

  return { map, size, logo, icons, svgPathBbox, svgpath }
}
