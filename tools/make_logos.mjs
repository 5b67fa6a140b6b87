#!/usr/bin/env node
/*
 * pypipins/render/logos.json.gz: the named logos shields.io draws, from the npm package
 * simple-icons, with everything logoSize=auto needs worked out here by the npm packages
 * shields itself uses (svg-path-bbox, svgpath), so that pypipins.render.logos needs no SVG
 * geometry of its own and is exact by construction.
 *
 * Regenerate with:
 *
 *   mkdir -p /tmp/bm && (cd /tmp/bm && npm install simple-icons@16.37.0 svg-path-bbox@2.1.0 svgpath@2.6.0)
 *   node tools/make_logos.mjs /tmp/bm/node_modules
 *
 * The file is JSON, gzipped (mtime 0, so the same inputs give the same bytes):
 *
 *   {"about": {...versions...},
 *    "icons": {slug: [title, hex, path, svg, width, height, autoViewBox, autoPath]},
 *    "keys": {key: slug}}
 *
 * - path is the icon's path; svg its own SVG text, "" when that is exactly
 *   <svg role="img" viewBox="0 0 24 24" xmlns="http://www.w3.org/2000/svg"><title>TITLE</title><path d="PATH"/></svg>
 *   with TITLE the title escaped for XML and PATH the path, which the reader rebuilds (the
 *   check is done here for every icon, so nothing is guessed).
 * - width and height: the path's bounding box as svg-path-bbox computes it (x1 - x0,
 *   y1 - y0), as JSON numbers (exact doubles).
 * - autoViewBox and autoPath: for logoSize=auto when width !== height, the viewBox text
 *   ("0 0 W H", numbers as JavaScript writes them, not rounded) and the path translated to
 *   the origin and rounded to 3 decimals by svgpath, as shields' resetIconPosition does;
 *   null for square icons. Every icon's autoPath is checked against resetIconPosition as
 *   shields writes it (tools/shields_logos.mjs), and the tool stops if one differs.
 * - keys: every name shields' map of icons answers to whose icon is not the one of that
 *   slug (titles, titles with hyphens, and any slug a later title took over), built in the
 *   order and with the collision rule of shields' lib/load-simple-icons.js; a slug not in
 *   keys answers to its own icon.
 */
import fs from 'fs'
import path from 'path'
import zlib from 'zlib'
import { fileURLToPath } from 'url'
import { VERSIONS, iconMap, loadPackages, resetIconPosition } from './shields_logos.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const OUT = path.join(HERE, '..', 'pypipins', 'render', 'logos.json.gz')

function escapeXml(s) {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
}

async function main() {
  const nodeModules = process.argv[2]
  if (!nodeModules) {
    console.error('usage: node tools/make_logos.mjs NODE_MODULES')
    process.exit(2)
  }
  const { icons, svgPathBbox, svgpath } = await loadPackages(nodeModules)
  const map = iconMap(icons)

  const out = {}
  let rebuilt = 0
  let rounded = 0
  let notSquare = 0
  for (const name of Object.keys(icons)) {
    const { title, slug, hex, path: d, svg } = icons[name]
    const plain =
      '<svg role="img" viewBox="0 0 24 24" xmlns="http://www.w3.org/2000/svg">' +
      `<title>${escapeXml(title)}</title><path d="${d}"/></svg>`
    if (svg === plain) rebuilt++
    const [x0, y0, x1, y1] = svgPathBbox(d)
    const width = x1 - x0
    const height = y1 - y0
    let autoViewBox = null
    let autoPath = null
    if (width !== height) {
      notSquare++
      autoViewBox = `0 0 ${width} ${height}`
      autoPath = svgpath(d).translate(-x0, -y0).round(3).toString()
      // svgpath's own output for shields' call, which takes the box of the parsed path
      const theirs = resetIconPosition(svgPathBbox, svgpath, d)
      if (autoPath !== theirs) {
        throw new Error(`${slug}: ${autoPath} is not resetIconPosition's ${theirs}`)
      }
      if (autoPath !== svgpath(d).translate(-x0, -y0).toString()) rounded++
    }
    out[slug] = [title, hex, d, svg === plain ? '' : svg, width, height, autoViewBox, autoPath]
  }
  const keys = {}
  for (const [key, icon] of Object.entries(map)) {
    if (key !== icon.slug) keys[key] = icon.slug
  }

  const document = {
    about: {
      generator: 'tools/make_logos.mjs',
      ...VERSIONS,
      icons: Object.keys(out).length,
      keys: Object.keys(map).length,
    },
    icons: out,
    keys,
  }
  const gz = zlib.gzipSync(Buffer.from(JSON.stringify(document)), { level: 9 })
  // gzip's header holds a modification time and an OS byte: zero them for same bytes.
  gz.writeUInt32LE(0, 4)
  gz[9] = 255
  fs.writeFileSync(OUT, gz)
  console.log(
    `${Object.keys(out).length} icons (${rebuilt} rebuilt from title and path; ` +
      `${notSquare} not square, ${rounded} of them with a path changed by rounding), ` +
      `${Object.keys(map).length} keys, ${gz.length} bytes written to ${OUT}`,
  )
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch(err => {
    console.error(err)
    process.exit(1)
  })
}
