#!/usr/bin/env node
/*
 * Reference logos for tests/render/test_logos.py: what shields.io's server makes of a badge's logo,
 * logoColor, logoSize and style (tools/shields_logos.mjs, over the npm packages themselves).
 *
 * Regenerate with:
 *
 *   mkdir -p /tmp/bm && (cd /tmp/bm && npm install badge-maker@6.0.0 simple-icons@16.37.0 \
 *       svg-path-bbox@2.1.0 svgpath@2.6.0 joi@17.13.9)
 *   node tools/make_logo_fixtures.mjs /tmp/bm/node_modules
 *
 * It writes tests/fixtures/render/logos.json:
 *
 * - "cases": [{logo, logoColor, style, logoSize, uri, width}], uri and width being what
 *   shields gives badge-maker as logo and logoWidth (null: none);
 * - "digests": for every name shields' icon map answers to, in UTF-16 order, each of a few
 *   settings: the sha256 of the lines "<name>\t<uri>\t<width>\n" (width as JavaScript writes
 *   it, "" for none), so that every icon is checked without a file of megabytes.
 */
import crypto from 'crypto'
import fs from 'fs'
import path from 'path'
import { fileURLToPath } from 'url'
import { loadShieldsLogos } from './shields_logos.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const OUT = path.join(HERE, '..', 'tests', 'fixtures', 'render', 'logos.json')
const STYLES = ['flat', 'flat-square', 'plastic', 'for-the-badge', 'social']

// Settings the digests run over every name with: [style, logoColor, logoSize].
export const DIGESTS = [
  ['flat', null, null],
  ['social', null, 'auto'],
  ['for-the-badge', 'rgb(1,2,3)', 'auto'],
]

const NAMES = [
  // slugs, titles, titles with hyphens, any case
  'python', 'Python', 'PYTHON', 'pypi', 'github', 'GitHub', 'gitlab', 'npm', 'docker',
  'readthedocs', 'Read the Docs', 'read the docs', 'read-the-docs', 'nodedotjs', 'node.js',
  'Node.js', 'visual studio code', 'Visual-Studio-Code', 'dotnet', '.net', 'c++',
  'cplusplus', 'aeroméxico', 'AEROMÉXICO', 'aeromexico', '1password', '1&1', 'hive',
  'hive_blockchain', 'rust', 'apple', 'linux', 'amazonaws', 'kotlin', 'sonarcloud',
  // shields' aliases, and names that only an alias or a hyphen reaches
  'azuredevops', 'eclipse', 'gitter-white', 'scrutinizer', 'stackoverflow', 'tfs',
  'travis', 'Travis', 'stack overflow', 'stack-overflow', 'travis ci',
  // not icons
  'nope', '', ' ', 'python ', ' python', 'py thon', 'constructorx', 'data', 'data:',
]

// Brand colours at the thresholds, dark and light, on social and not.
const BRANDS = ['github', 'python', 'apple', 'linux', 'npm', 'gitlab', 'graphql', 'json']

const COLORS = [
  'white', 'red', 'brightgreen', 'gray', 'abc', '#ABC', 'ABCDEF', '#12345678', 'black',
  'rebeccapurple', 'rgb(1,2,3)', 'rgba(10%, 20%, 30%, .5)', 'hsl(120, 50%, 50%)',
  'hsla(1turn,10%,90%,0.1)', ' #abc', 'Red', 'notacolor', '', 'toStringx',
]

// Wide, tall and square icons, for logoSize=auto.
const AUTO = [
  'python', 'Python', 'npm', 'docker', 'github', 'travis', 'Travis CI', 'travisci',
  'amazonaws', 'kotlin', 'sonarcloud', '1&1', 'node.js', 'visual studio code', 'rust',
  'hive', 'aeroméxico', 'readthedocs',
]

const SVG_BASE64 =
  'PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAyIDIiPjxyZWN0IHdpZHRoPSIyIiBoZWlnaHQ9IjIiLz48L3N2Zz4='
const DATA_URIS = [
  `data:image/svg+xml;base64,${SVG_BASE64}`,
  // as a query string delivers it: '+' decoded to a space
  `data:image/svg xml;base64,${SVG_BASE64}`,
  // without data:
  `image/svg+xml;base64,${SVG_BASE64}`,
  `image/svg xml;base64,${SVG_BASE64}`,
  // white space of all kinds inside
  `data:image/svg+xml;base64,${SVG_BASE64.slice(0, 20)}\n${SVG_BASE64.slice(20, 40)}\t\r${SVG_BASE64.slice(40)}`,
  `data:image/svg+xml;base64,${SVG_BASE64.slice(0, 20)}\u00a0\u2028${SVG_BASE64.slice(20)}`,
  'data:image/png;base64,iVBORw0KGgo=',
  'data:image/png;base64,iVBORw0KGgo',
  'data:image/png;base64,iVBORw0KGg===',
  'data:image/png;base64,',
  'data:image/svg+xml;charset=utf-8,<svg/>',
  'data:image/svg+xml;charset=utf-8,%3Csvg%2F%3E',
  'data:image/svg+xml;utf8,<svg></svg>',
  'data:text/plain;,hello',
  'data:text/plain;hello',
  'data:text/plain,hello',
  'data:image/svg+xml,<svg/>',
  'data:;base64,AAAA',
  'data:image/;base64,AAAA',
  'data:im@ge/png;base64,AAAA',
  'data:image/png;base64,AA-_',
  'data:image/png;base64,AAAA;',
  ' data:image/png;base64,AAAA',
  'DATA:image/png;base64,AAAA',
  'data:image/png;BASE64,AAAA',
  'data:image/svg+xml;base64,python',
  'text/html;x',
  'a/b;c',
]

async function main() {
  const nodeModules = process.argv[2]
  if (!nodeModules) {
    console.error('usage: node tools/make_logo_fixtures.mjs NODE_MODULES')
    process.exit(2)
  }
  const shields = await loadShieldsLogos(nodeModules)
  const cases = []
  function add(logo, logoColor, style, logoSize) {
    const request = { logo, style }
    if (logoColor !== null) request.logoColor = logoColor
    if (logoSize !== null) request.logoSize = logoSize
    const { logo: uri, logoWidth } = shields.logo(request)
    cases.push({ logo, logoColor, style, logoSize, uri: uri ?? null, width: logoWidth ?? null })
  }

  for (const name of NAMES) add(name, null, 'flat', null)
  for (const name of BRANDS) {
    for (const style of STYLES) add(name, null, style, null)
  }
  for (const color of COLORS) {
    add('python', color, 'flat', null)
    add('github', color, 'social', null)
  }
  for (const name of AUTO) {
    add(name, null, 'flat', 'auto')
    add(name, 'white', 'social', 'auto')
    add(name, null, 'flat', 'small')
  }
  for (const uri of DATA_URIS) {
    add(uri, null, 'flat', null)
    add(uri, 'red', 'social', 'auto')
  }

  const names = Object.keys(shields.map).sort()
  const digests = DIGESTS.map(([style, logoColor, logoSize]) => {
    const hash = crypto.createHash('sha256')
    for (const name of names) {
      const request = { logo: name, style }
      if (logoColor !== null) request.logoColor = logoColor
      if (logoSize !== null) request.logoSize = logoSize
      const { logo: uri, logoWidth } = shields.logo(request)
      hash.update(`${name}\t${uri ?? ''}\t${logoWidth === undefined ? '' : logoWidth}\n`)
    }
    return { style, logoColor, logoSize, names: names.length, sha256: hash.digest('hex') }
  })

  fs.mkdirSync(path.dirname(OUT), { recursive: true })
  const header = { generator: 'tools/make_logo_fixtures.mjs', cases: cases.length }
  const body = cases.map(c => JSON.stringify(c)).join(',\n')
  fs.writeFileSync(
    OUT,
    `{"about": ${JSON.stringify(header)},\n"digests": ${JSON.stringify(digests)},\n` +
      `"cases": [\n${body}\n]}\n`,
  )
  console.log(`${cases.length} cases and ${digests.length} digests written to ${OUT}`)
}

main().catch(err => {
  console.error(err)
  process.exit(1)
})
