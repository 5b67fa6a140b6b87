#!/usr/bin/env node
/*
 * Reference badges for tests/render/test_svg.py, drawn by the real badge-maker.
 *
 * Regenerate with:
 *
 *   mkdir -p /tmp/bm && (cd /tmp/bm && npm install badge-maker@6.0.0 anafanafo@2.0.0 \
 *       simple-icons@16.37.0 svg-path-bbox@2.1.0 svgpath@2.6.0 joi@17.13.9)
 *   node tools/make_render_fixtures.js /tmp/bm/node_modules
 *
 * It writes tests/fixtures/render/cases.json: a list of
 * {id, label, message, color, labelColor, style, logo, logoWidth, links, svg}, where the
 * inputs are exactly what badge-maker was given (null: the field was left out, as render()
 * does for None) and svg is its output. Same inputs and versions give the same file, byte
 * for byte.
 *
 * Cases are a cross of texts, colours and the five styles, drawn by the public makeBadge();
 * then logos, logo widths and links, drawn by lib/make-badge.js, the function shields.io's
 * server calls (the public one takes no logoWidth), with named logos made as shields makes
 * them (tools/shields_logos.mjs). Every input here is one pypipins.render.svg.render()
 * promises to draw identically, so every case must match.
 */
'use strict'

const fs = require('fs')
const path = require('path')
const { pathToFileURL } = require('url')

const BADGE_MAKER_VERSION = '6.0.0'
const OUT = path.join(__dirname, '..', 'tests', 'fixtures', 'render', 'cases.json')
const STYLES = ['flat', 'flat-square', 'plastic', 'for-the-badge', 'social']

const NAMED = [
  'brightgreen', 'green', 'yellowgreen', 'yellow', 'orange', 'red', 'blue', 'grey',
  'lightgrey',
]
const ALIASES = [
  'gray', 'lightgray', 'success', 'important', 'critical', 'informational', 'inactive',
]
const HEX = [
  '#4c1', '#4C1', '#abc', '#fff', '#000', '#e05d44', '#DFB317', '#ffffff', '#9f9f9f',
  // Bare hex digits, which badge-maker accepts too.
  'abc', 'a1b2c3', 'FFF',
  // 4- and 8-digit hex (alpha ignored for the text colour).
  '#abcd', '#12345678',
  // Brightness at the light/dark threshold: toFixed(2) of 0.6892, 0.6902, the double nearest
  // 0.695 (just below it), 0.695004, and the exact ties 0.625 and 0.875.
  '#f95', '#c9d', '#0cf9f1', '#06fee7', '#00ff55', '#a9f8ed',
  // Hex with white space around it: kept as given (lower-cased), but unparseable for
  // brightness.
  ' #ABC', '#abc\t',
]
const INVALID = ['', 'notacolor', 'Red', 'BRIGHTGREEN', '#ggg', '#abcde', 'abcd', '#', '#4c1;']
// CSS colours, which badge-maker passes through (css-color-converter validates them), and
// near misses it does not take.
const CSS = [
  'black', 'white', 'rebeccapurple', 'aliceblue', 'darkslategray', 'magenta',
  'rgb(1,2,3)', 'rgb( 255 , 255 , 255 )', 'rgba(255,255,255,0.5)', 'rgb(100%, 50%, 0%)',
  'rgb(1 2 3)', 'rgb(200 200 200 / .5)', 'rgba(300,300,300,1)', 'rgb(50%,50%,50%)',
  'hsl(120, 50%, 50%)', 'hsla(0, 0%, 100%, 0.3)', 'hsl(1turn, 100%, 50%)',
  'hsl(3rad, 60%, 40%)', 'hsl(400grad,10%,90%)', 'hsl(60deg, 100%, 50%)', 'hsl(720, 100%, 90%)',
  ' black', 'white\t', 'Black', 'RGB(1,2,3)', 'rgb(1,2)', 'rgb(50%,1,2)', 'hsl(120,50,50)',
  'rgb(1.5,2,3)',
]

const LONG = 'x'.repeat(300)
const LONG_MIXED = 'Wide Mm 1.2.3 café 下载 '.repeat(14).slice(0, 300)

// [label, message] pairs. Each one is drawn in every style.
const TEXTS = [
  ['build', 'passing'],
  ['pypi', 'v1.2.3'],
  ['downloads', '1.2k/month'],
  ['python', '3.9 | 3.10 | 3.11 | 3.12'],
  ['license', 'MIT'],
  ['wheel', 'yes'],
  ['', 'message only'],
  [' ', 'whitespace label'],
  ['label', ''],
  ['', ''],
  ['  padded  ', '\t tabs and spaces \n'],
  ['café', 'naïve résumé'],
  ['über', 'straße ß'],
  ['下载', '每月 1.2万'],
  ['パッケージ', '안녕하세요'],
  ['emoji 🚀', 'ok ✅ 🎉'],
  ['🐍', '👍🏽'],
  ['𐐨eseret', 'astral 𝔘𝔫𝔦𝔠𝔬𝔡𝔢'],
  ['ǆemal', 'ﬁne ﬃ'],
  ['ελληνικά', 'σοφός'],
  ['i̇stanbul', 'ıi'],
  ['<script>', '<script>alert("x")</script>'],
  ['a & b', '"quoted" \'single\' <tag> &amp;'],
  ['1 > 0', 'x<y'],
  ['in  between', 'double  spaces'],
  ['line\nbreak', 'tab\tinside'],
  ['\u00a0nbsp\u00a0', '\ufeffbom\ufeff'],
  ['\u3000ideographic space', 'em\u2003space'],
  ['\u0085nel', 'mongolian\u180e'],
  ['private\ue000use', 'unassigned\u0378'],
  ['combining é', 'zero\u200bwidth'],
  ['x', 'm'],
  ['iiiiiiiiii', 'WWWWWWWWWW'],
  [LONG, 'long label'],
  ['long message', LONG],
  [LONG_MIXED, LONG_MIXED],
  ['0', '0'],
]

// [label, message, color, labelColor] for colour coverage (drawn in every style too).
const COLOR_CASES = []
for (const c of [...NAMED, ...ALIASES, ...HEX, ...INVALID]) {
  COLOR_CASES.push(['color', c || '(empty)', c, null])
}
for (const c of [...NAMED, ...ALIASES, '#4c1', '#fff', 'abc', ' #ABC', 'notacolor', '']) {
  COLOR_CASES.push(['labelColor', c || '(empty)', 'blue', c])
}
// A label colour without a label (the classic styles draw a 10px box for it).
for (const c of ['red', '#fff', 'notacolor']) {
  COLOR_CASES.push(['', 'no label, labelColor ' + c, 'green', c])
}
for (const c of CSS) {
  COLOR_CASES.push(['css', c, c, null])
  COLOR_CASES.push(['css label', c, 'blue', c])
}
COLOR_CASES.push(['', '', 'red', 'blue'])
COLOR_CASES.push(['both', 'light', '#eee', '#ddd'])

// Logos drawn whatever their content: a small SVG of our own, at several widths.
const CUSTOM =
  'data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAyIDIiPjxyZWN0IHdpZHRoPSIyIiBoZWlnaHQ9IjIiLz48L3N2Zz4='
const CUSTOM_WIDTHS = [null, 30, 7.5, 19.519271430925406, 1]
// Named logos as shields makes them, per style: {logo, logoColor, logoSize}.
const NAMED_LOGOS = [
  { logo: 'python' },
  { logo: 'docker', logoSize: 'auto' },
  { logo: 'gitter', logoSize: 'auto' },
  { logo: 'Python', logoSize: 'auto' },
  { logo: 'github', logoColor: 'white' },
  { logo: 'image/svg xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4=' },
]
const LOGO_TEXTS = [
  ['build', 'passing'],
  ['', 'message only'],
  ['label', ''],
  ['', ''],
  ['café 下载', 'ok ✅ 🎉'],
]
// [color, labelColor]
const LOGO_COLORS = [['blue', null], ['#e05d44', 'red'], ['yellow', '#fff']]
const LINKS = [
  ['https://example.com/left'],
  ['https://example.com/left', 'https://example.com/right'],
  ['', 'https://example.com/right'],
  ['https://example.com/left', ''],
  ['https://example.com/?a=1&b="2"<3>\'4\''],
  [''],
]

async function main() {
  const nodeModules = process.argv[2]
  if (!nodeModules) {
    console.error('usage: node tools/make_render_fixtures.js NODE_MODULES')
    process.exit(2)
  }
  const pkg = JSON.parse(
    fs.readFileSync(path.join(nodeModules, 'badge-maker', 'package.json'), 'utf8'),
  )
  if (pkg.version !== BADGE_MAKER_VERSION) {
    throw new Error(`badge-maker ${pkg.version} found, ${BADGE_MAKER_VERSION} expected`)
  }
  const { makeBadge } = await import(
    pathToFileURL(path.join(nodeModules, 'badge-maker', 'lib', 'index.js')).href
  )
  const { default: serverMakeBadge } = await import(
    pathToFileURL(path.join(nodeModules, 'badge-maker', 'lib', 'make-badge.js')).href
  )
  const { loadShieldsLogos } = await import(
    pathToFileURL(path.join(__dirname, 'shields_logos.mjs')).href
  )
  const shields = await loadShieldsLogos(nodeModules)

  const cases = []
  function add(label, message, color, labelColor, style) {
    // Left-out fields, not undefined ones: makeBadge rejects those.
    const format = { label, message, style }
    if (color !== null) format.color = color
    if (labelColor !== null) format.labelColor = labelColor
    cases.push({
      id: `${cases.length}-${style}`,
      label,
      message,
      color,
      labelColor,
      style,
      logo: null,
      logoWidth: null,
      links: null,
      svg: makeBadge(format),
    })
  }
  function addServer(label, message, color, labelColor, style, logo, logoWidth, links) {
    const format = { label, message, style }
    if (color !== null) format.color = color
    if (labelColor !== null) format.labelColor = labelColor
    if (logo !== null) format.logo = logo
    if (logoWidth !== null) format.logoWidth = logoWidth
    if (links !== null) format.links = links
    cases.push({
      id: `${cases.length}-${style}`,
      label,
      message,
      color,
      labelColor,
      style,
      logo,
      logoWidth,
      links,
      svg: serverMakeBadge(format),
    })
  }

  for (const style of STYLES) {
    TEXTS.forEach(([label, message], i) => {
      // Vary colours a little so text colour and label colour paths are exercised.
      const color = NAMED[i % NAMED.length]
      const labelColor = i % 4 === 3 ? HEX[i % HEX.length] : null
      add(label, message, color, labelColor, style)
    })
    for (const [label, message, color, labelColor] of COLOR_CASES) {
      add(label, message, color, labelColor, style)
    }
  }

  for (const style of STYLES) {
    for (const width of CUSTOM_WIDTHS) {
      for (const [label, message] of LOGO_TEXTS) {
        for (const [color, labelColor] of LOGO_COLORS) {
          addServer(label, message, color, labelColor, style, CUSTOM, width, null)
        }
      }
    }
    for (const request of NAMED_LOGOS) {
      const { logo, logoWidth } = shields.logo({ ...request, style })
      for (const [label, message] of LOGO_TEXTS.slice(0, 2)) {
        addServer(label, message, 'blue', null, style, logo, logoWidth ?? null, null)
      }
    }
    for (const links of LINKS) {
      for (const [label, message] of LOGO_TEXTS.slice(0, 4)) {
        addServer(label, message, 'green', null, style, null, null, links)
        addServer(label, message, 'green', '#fff', style, CUSTOM, null, links)
      }
    }
  }

  fs.mkdirSync(path.dirname(OUT), { recursive: true })
  const header = {
    generator: 'tools/make_render_fixtures.js',
    'badge-maker': pkg.version,
    cases: cases.length,
  }
  // One case per line: readable diffs when badge-maker changes.
  const body = cases.map(c => JSON.stringify(c)).join(',\n')
  fs.writeFileSync(
    OUT,
    `{"about": ${JSON.stringify(header)},\n"cases": [\n${body}\n]}\n`,
  )
  console.log(`${cases.length} cases written to ${OUT}`)
}

main().catch(err => {
  console.error(err)
  process.exit(1)
})
