#!/usr/bin/env node
/*
 * Reference JSON for tests/render/test_json.py and tests/scenarios/test_shields_json.py: what
 * shields.io's server sends for a badge's .json URL, badge-maker 6.0.0's makeBadge({format: 'json', ...})
 * (its lib/make-badge.js, the function shields' server calls), byte for byte.
 *
 * Regenerate with:
 *
 *   mkdir -p /tmp/bm && (cd /tmp/bm && npm install badge-maker@6.0.0 simple-icons@16.37.0 \
 *       svg-path-bbox@2.1.0 svgpath@2.6.0 joi@17.13.9)
 *   node tools/make_json_fixtures.mjs /tmp/bm/node_modules
 *
 * It writes tests/fixtures/render/json.json:
 *
 * - "documents": [{label, message, color, labelColor, links, logoWidth, json}]: makeBadge's
 *   inputs (null: left out) and its output;
 * - "static": [{path, query, json}]: a static badge's URL, /badge/<path>.json with the query
 *   parameters [[name, value], ...], and what shields' server answers for it;
 * - "pypi": [{path, query, json}]: the same for a PyPI route, <path>.json, of the stand-in
 *   tests/standin.py serves, given what its badge says before the query.
 *
 * A URL is read as shields reads it: a reading of services/static-badge/static-badge.service.js
 * (its route, and core/badge-urls/path-helpers.js' escapeFormat) and of
 * core/base-service/coalesce-badge.js (2025). Label and message from the path (or ?label=),
 * the colour of ?color= (or ?colorB=) else the path's, ?labelColor= (or ?colorA=), the links
 * as given, and for a named logo with logoSize=auto the width of its icon
 * (tools/shields_logos.mjs). Only queries whose values shields' server keeps as strings are
 * here (it reads a numeric one as a number).
 */
import fs from 'fs'
import path from 'path'
import { fileURLToPath, pathToFileURL } from 'url'
import { loadShieldsLogos } from './shields_logos.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const OUT = path.join(HERE, '..', 'tests', 'fixtures', 'render', 'json.json')
const BADGE_MAKER_VERSION = '6.0.0'

const TEXTS = [
  ['pypi', 'v24.8.0'],
  ['', 'message only'],
  ['label', ''],
  ['  padded  ', '\tpadded\n'],
  ['quotes "and" \\ back', "it's <b>&amp;</b>"],
  ['control \u0001\u001f\u007f', 'line\nbreak\r\ttab\b\f'],
  ['unicode é 🐍 中文', 'seps \u2028\u2029 nbsp\u00a0end'],
  ['\u00a0\ufeff trimmed js \u3000', '\u200b not trimmed \u200b'],
]
const COLORS = [
  null, 'blue', 'brightgreen', 'gray', 'lightgray', 'success', 'critical', 'inactive',
  'ABC', 'abcdef', '#ABC', '#12345678', 'rgb(1,2,3)', 'RGB(1,2,3)', 'rebeccapurple',
  'hsla(0, 0%, 100%, 0.3)', ' #abc', 'notacolor', 'Red', '',
]
const LINKS = [
  [], ['https://example.com/'], ['', 'https://example.com/right'],
  ['https://example.com/left', 'http://example.org/right'],
  ['https://example.com/?a=1&b="2"<3>\'4\';x'],
]
const WIDTHS = [null, 14, 17.5, 13.846153846153847, 31.111111111111114, 1e-7, 40]

// Static badges: [path content, query].
const STATIC = [
  ['label-message-blue', []],
  ['label-message-whitesmoke', []],
  ['label-message-rgb(123,123,123)', []],
  ['all%20one%20color-red', []],
  ['label-message-notacolor', []],
  ['label-message-Red', []],
  ['label--blue', []],
  ['-message-blue', []],
  ['LiCeNsE-mIt-blue', []],
  ['best--license-Apache--2.0-blue', []],
  ['snake__case-a_b_c-ABCDEF', []],
  ['x___y-a_b__c___d____e-abc', []],
  ['_lead-trail_-abc', []],
  ['%20%20padded%20-%20message%20-gray', []],
  ['%C3%A9t%C3%A9-%F0%9F%90%8D-success', []],
  ['a%22b%5Cc-d%3Ce-inactive', []],
  ['label-message-blue', [['color', 'yellow']]],
  ['label-message-blue', [['colorB', 'yellow']]],
  ['label-message-blue', [['color', 'yellow'], ['colorB', 'red']]],
  ['label-message-notacolor', [['color', 'orange']]],
  ['label-message-blue', [['color', 'ABC']]],
  ['label-message-blue', [['labelColor', 'abc']]],
  ['label-message-blue', [['colorA', 'rgb(1,2,3)']]],
  ['label-message-blue', [['labelColor', 'notacolor']]],
  ['label-message-blue', [['label', 'mylabel']]],
  ['label-message-blue', [['label', '']]],
  ['message-blue', [['label', ' spaced ']]],
  ['label-message-blue', [['link', 'https://example.com/']]],
  ['label-message-blue', [['link', 'https://example.com/a'], ['link', 'https://example.org/b']]],
  ['label-message-blue', [['link', 'https://example.com/a;b=c']]],
  ['label-message-blue', [['logo', 'docker'], ['logoSize', 'auto']]],
  ['label-message-blue', [['logo', 'Flask'], ['logoSize', 'auto']]],
  ['label-message-blue', [['logo', 'kotlin'], ['logoSize', 'auto']]],
  ['label-message-blue', [['logo', 'python'], ['logoSize', 'auto']]],
  ['label-message-blue', [['logo', 'docker']]],
  ['label-message-blue', [['logo', 'docker'], ['logoSize', 'small']]],
  ['label-message-blue', [['logo', 'no-such-icon'], ['logoSize', 'auto']]],
  ['label-message-blue', [['logoSize', 'auto']]],
  ['label-message-blue', [
    ['logo', 'data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4='],
    ['logoSize', 'auto'],
  ]],
  ['license-MIT-blue', [['style', 'social'], ['cacheSeconds', '60'], ['logoColor', 'white']]],
]

// A PyPI route of the stand-in's (tests/fixtures/pypi), what its badge says before the query
// (label, message, colour: pypipins' contract, BADGES.md), and a query.
const PYPI = [
  ['/pypi/v/klein', { label: 'pypi', message: 'v24.8.0', color: 'blue' }, []],
  ['/pypi/l/klein', { label: 'license', message: 'MIT', color: 'green' }, [
    ['label', 'licence'], ['color', 'ABC'], ['labelColor', 'rgb(1,2,3)'],
    ['link', 'https://example.com/a;b=c'], ['link', 'https://example.org/'],
  ]],
  ['/pypi/v/klein', { label: 'pypi', message: 'v24.8.0', color: 'blue' }, [
    ['logo', 'docker'], ['logoSize', 'auto'],
  ]],
  ['/pypi/v/klein', { label: 'pypi', message: 'v24.8.0', color: 'blue' }, [
    ['logo', 'kotlin'], ['logoSize', 'auto'], ['colorB', 'orange'], ['colorA', 'abcdef'],
  ]],
  ['/pypi/frameworkversions/django/typed-django', {
    label: 'django versions', message: '3.2 | 4.2 | 5.0 | 5.1', color: 'blue',
  }, []],
]

// core/badge-urls/path-helpers.js (2025)
function escapeFormat(t) {
  return t
    .replace(/(^|[^_])((?:__)*)_(?!_)/g, '$1$2 ')
    .replace(/__/g, '_')
    .replace(/--/g, '-')
}

// core/base-service/coalesce.js
function coalesce(...candidates) {
  return candidates.find(c => c !== undefined && c !== null)
}

// core/base-service/to-array.js
function toArray(val) {
  if (val === undefined) return []
  return Array.isArray(val) ? val : [val]
}

async function main() {
  const nodeModules = process.argv[2]
  if (!nodeModules) {
    console.error('usage: node tools/make_json_fixtures.mjs NODE_MODULES')
    process.exit(2)
  }
  const pkg = JSON.parse(
    fs.readFileSync(path.join(nodeModules, 'badge-maker', 'package.json'), 'utf8'),
  )
  if (pkg.version !== BADGE_MAKER_VERSION) {
    throw new Error(`badge-maker ${pkg.version} found, ${BADGE_MAKER_VERSION} expected`)
  }
  const { default: makeBadge } = await import(
    pathToFileURL(path.join(nodeModules, 'badge-maker', 'lib', 'make-badge.js')).href
  )
  const shields = await loadShieldsLogos(nodeModules)

  const documents = []
  function add(label, message, color, labelColor, links, logoWidth) {
    const format = { format: 'json', label, message, links }
    if (color !== null) format.color = color
    if (labelColor !== null) format.labelColor = labelColor
    if (logoWidth !== null) format.logoWidth = logoWidth
    documents.push({ label, message, color, labelColor, links, logoWidth, json: makeBadge(format) })
  }
  TEXTS.forEach(([label, message], i) => {
    add(label, message, COLORS[i % COLORS.length], null, LINKS[i % LINKS.length], null)
  })
  COLORS.forEach((color, i) => {
    add('colour', String(color), color, COLORS[(i * 7) % COLORS.length], [], null)
  })
  LINKS.forEach(links => add('links', String(links.length), 'green', null, links, null))
  WIDTHS.forEach(width => add('width', String(width), 'blue', '#555', [], width))

  // What the server makes of a service's badge and the query (coalesce-badge), as JSON.
  function served({ label, message, color }, query) {
    const overrides = {}
    for (const [name, value] of query) {
      if (name === 'link') overrides.link = [...(overrides.link || []), value]
      else if (!(name in overrides)) overrides[name] = value
    }
    // coalesce-badge's logoWidth: a named logo's, with logoSize=auto
    const logoWidth = overrides.logo
      ? shields.logo({ logo: overrides.logo, logoSize: overrides.logoSize }).logoWidth
      : undefined
    return makeBadge({
      format: 'json',
      label: coalesce(overrides.label, label),
      message: coalesce(message, 'n/a'),
      color: coalesce(coalesce(overrides.color, overrides.colorB), color, 'lightgrey'),
      labelColor: coalesce(overrides.labelColor, overrides.colorA),
      logoWidth,
      links: toArray(overrides.link),
    })
  }

  // services/static-badge/static-badge.service.js: its route, then handle()
  const ROUTE = /^((?:[^-]|--)*?)-?((?:[^-]|--)*)-((?:[^-.]|--)+)$/
  const statics = STATIC.map(([content, query]) => {
    const [, label, message, color] = decodeURIComponent(content).match(ROUTE)
    const service = { label: escapeFormat(label), message: escapeFormat(message), color }
    return { path: content, query, json: served(service, query) }
  })
  const pypi = PYPI.map(([route, service, query]) => ({ path: route, query, json: served(service, query) }))

  fs.mkdirSync(path.dirname(OUT), { recursive: true })
  const header = {
    generator: 'tools/make_json_fixtures.mjs',
    'badge-maker': pkg.version,
    documents: documents.length,
    static: statics.length,
    pypi: pypi.length,
  }
  const lines = items => items.map(c => JSON.stringify(c)).join(',\n')
  fs.writeFileSync(
    OUT,
    `{"about": ${JSON.stringify(header)},\n"documents": [\n${lines(documents)}\n],\n` +
      `"static": [\n${lines(statics)}\n],\n"pypi": [\n${lines(pypi)}\n]}\n`,
  )
  console.log(
    `${documents.length} documents, ${statics.length} static badges and ${pypi.length} ` +
      `PyPI badges written to ${OUT}`,
  )
}

main().catch(err => {
  console.error(err)
  process.exit(1)
})
