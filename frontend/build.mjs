// OpenCoop front-end build: `npm run build` (Node 20, no network).
//
//   scss/opencoop.scss  --sass-->  ../opencoop/static/dist/opencoop.css
//   js/opencoop.js      --esbuild-> ../opencoop/static/dist/opencoop.js
//   js/opencoop-early.js --esbuild-> ../opencoop/static/dist/opencoop-early.js
//   js/admin-codelist-picker.js --esbuild-> ../opencoop/static/dist/admin-codelist-picker.{js,css}
//   js/admin-location-picker.js --esbuild-> ../opencoop/static/dist/admin-location-picker.{js,css}
//   js/admin-inline-rows.js --esbuild-> ../opencoop/static/dist/admin-inline-rows.js
//   js/api-docs.js      --esbuild-> ../opencoop/static/dist/api-docs.{js,css} (Swagger UI's start)
//   bootstrap-italia fonts (only the .woff2 the CSS references), each split in two
//     by unicode-range (Latin, Latin Extended) with subset-font  -> dist/fonts/
//   bootstrap-italia dist/svg/sprites.svg                     -> dist/svg/
//   world-atlas (Natural Earth) countries -> dist/map/countries.geo.json (see buildMap below)
//
// The output folder is wiped first and contains its own .gitignore ("*"),
// so build output can never be committed by accident.
import { mkdirSync, rmSync, writeFileSync, copyFileSync, readFileSync, readdirSync, existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import * as sass from 'sass'
import * as esbuild from 'esbuild'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const subsetFont = require('subset-font')

const here = dirname(fileURLToPath(import.meta.url))
const out = resolve(here, '..', 'opencoop', 'static', 'dist')
const bi = join(here, 'node_modules', 'bootstrap-italia')
const started = Date.now()

// ---------------------------------------------------------------------------
rmSync(out, { recursive: true, force: true })
mkdirSync(join(out, 'fonts'), { recursive: true })
mkdirSync(join(out, 'svg'), { recursive: true })
writeFileSync(join(out, '.gitignore'), '# build output of frontend/ (npm run build): never commit\n*\n')

// --- CSS -------------------------------------------------------------------
const result = sass.compile(join(here, 'scss', 'opencoop.scss'), {
  loadPaths: [join(bi, 'src', 'scss'), join(here, 'node_modules')],
  style: 'compressed',
  sourceMap: false,
  // Bootstrap Italia 2.x is written with @import and global functions:
  // silence the deprecation noise it triggers, keep our own warnings.
  quietDeps: true,
  silenceDeprecations: ['import', 'global-builtin', 'color-functions', 'slash-div'],
  logger: {
    warn(message, options) {
      if (options.deprecation) return
      process.stderr.write(`sass warning: ${message}\n`)
    },
  },
})

// Bootstrap Italia sizes many things in px. Convert lengths >= 4px to rem so
// the text-size classes on <html> scale the whole layout (header heights,
// paddings, icons...). Media-query conditions keep px (breakpoints follow the
// viewport), url(...) contents and hairlines (1-3px borders, focus rings)
// are left alone.
function pxToRem(css) {
  return css.replace(/@(?:media|container|supports)[^{]*\{|url\([^)]*\)|(?<![\w-])(-?\d*\.?\d+)px\b/g, (match, num) => {
    if (num === undefined) return match
    const px = parseFloat(num)
    if (Math.abs(px) < 4) return match
    return `${+(px / 16).toFixed(4)}rem`.replace(/^(-?)0\./, '$1.')
  })
}

// Fonts: Bootstrap Italia's files hold Latin and Latin Extended together. Each @font-face is
// split in two by unicode-range, as Google Fonts serves them: a browser fetches the Latin file
// (all that Italian and English text needs: a third lighter) and the Latin Extended one only
// for a page that shows such letters (a partner's name in Polish, Czech, Turkish...).
// The ranges are Google Fonts' "latin" and "latin-ext", made disjoint.
const FONT_SUBSETS = {
  latin: [
    [0x0000, 0x00ff], [0x0131], [0x0152, 0x0153], [0x02bb, 0x02bc], [0x02c6], [0x02da],
    [0x02dc], [0x0304], [0x0308], [0x0329], [0x2000, 0x206f], [0x20ac], [0x2122], [0x2191],
    [0x2193], [0x2212], [0x2215], [0xfeff], [0xfffd],
  ],
  'latin-ext': [
    [0x0100, 0x0130], [0x0132, 0x0151], [0x0154, 0x02ba], [0x02bd, 0x02c5], [0x02c7, 0x02cc],
    [0x02ce, 0x02d7], [0x02dd, 0x02ff], [0x1d00, 0x1dbf], [0x1e00, 0x1e9f], [0x1ef2, 0x1eff],
    [0x20a0, 0x20ab], [0x20ad, 0x20c0], [0x2113], [0x2c60, 0x2c7f], [0xa720, 0xa7ff],
  ],
}
const hex = (n) => n.toString(16).toUpperCase().padStart(4, '0')
const unicodeRange = (ranges) => ranges.map(([a, b]) => (b ? `U+${hex(a)}-${hex(b)}` : `U+${hex(a)}`)).join(',')
const charactersOf = (ranges) =>
  ranges.flatMap(([a, b = a]) => Array.from({ length: b - a + 1 }, (_, i) => String.fromCodePoint(a + i))).join('')

function splitFontFaces(css) {
  return css.replace(/@font-face\{([^}]*)\}/g, (block, body) => {
    const src = body.match(/url\(["']?fonts\/([^"')]+)\.woff2["']?\)/)
    if (!src) return block
    const rules = body.replace(/;$/, '')
    return Object.entries(FONT_SUBSETS)
      .map(([subset, ranges]) => {
        const url = `url("fonts/${src[1]}.${subset}.woff2")`
        return `@font-face{${rules.replace(src[0], url)};unicode-range:${unicodeRange(ranges)}}`
      })
      .join('')
  })
}

const css = splitFontFaces(pxToRem(result.css))
writeFileSync(join(out, 'opencoop.css'), css + '\n')

// Fonts: write exactly the files that the CSS references (url(fonts/...)).
const fontDirs = readdirSync(join(bi, 'src', 'fonts')).map((d) => join(bi, 'src', 'fonts', d))
const fontFiles = new Set([...css.matchAll(/url\(["']?fonts\/([^"')]+)["']?\)/g)].map((m) => m[1]))
const licences = new Set()
for (const file of fontFiles) {
  const subset = file.match(/^(.+)\.([a-z-]+)\.woff2$/)
  const source = subset ? `${subset[1]}.woff2` : file
  const dir = fontDirs.find((d) => existsSync(join(d, source)))
  if (!dir) throw new Error(`font ${source} referenced by the CSS is not in bootstrap-italia/src/fonts`)
  if (subset) {
    const font = readFileSync(join(dir, source))
    const characters = charactersOf(FONT_SUBSETS[subset[2]])
    writeFileSync(join(out, 'fonts', file), await subsetFont(font, characters, { targetFormat: 'woff2' }))
  } else {
    copyFileSync(join(dir, file), join(out, 'fonts', file))
  }
  for (const lic of ['OFL.txt', 'LICENSE.txt']) {
    if (existsSync(join(dir, lic))) licences.add([join(dir, lic), `${dir.split(/[\\/]/).pop()}-${lic}`])
  }
}
for (const [src, name] of licences) copyFileSync(src, join(out, 'fonts', name))

// Icons
copyFileSync(join(bi, 'dist', 'svg', 'sprites.svg'), join(out, 'svg', 'sprites.svg'))

// --- Map data ----------------------------------------------------------------
// The server draws the world map as SVG (opencoop/geography): it needs country outlines
// keyed by ISO 3166-1 alpha-2 (the IATI Country codelist), unprojected, small. world-atlas
// ships Natural Earth as TopoJSON keyed by ISO numeric codes; here it becomes GeoJSON with
// alpha-2 ids and coordinates rounded to 0.01 degrees. Shapes come from the 1:110m set;
// countries too small for it (Cabo Verde, Mauritius...) get a label point from the 1:50m set
// so the server can still mark them.
function buildMap() {
  const { feature } = require('topojson-client')
  const isoCountries = require('i18n-iso-countries')
  const atlas = join(here, 'node_modules', 'world-atlas')
  const load = (name) => JSON.parse(readFileSync(join(atlas, name), 'utf8'))
  // Natural Earth areas without an ISO numeric code: Kosovo has the user-assigned XK (as in IATI).
  const byName = { Kosovo: 'XK' }
  const alpha2 = (g) => (g.id ? isoCountries.numericToAlpha2(g.id) : byName[g.properties.name])
  const round = (v) => Math.round(v * 100) / 100
  const roundRing = (ring) => {
    const result = []
    for (const [lon, lat] of ring) {
      const point = [round(lon), round(lat)]
      const last = result[result.length - 1]
      if (!last || last[0] !== point[0] || last[1] !== point[1]) result.push(point)
    }
    return result
  }
  const polygonsOf = (geometry) =>
    geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.type === 'MultiPolygon' ? geometry.coordinates : []
  // Planar area and centroid of a ring in degrees: enough to place a label point.
  const ringCentroid = (ring) => {
    let area = 0, cx = 0, cy = 0
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1]
      area += f; cx += (ring[j][0] + ring[i][0]) * f; cy += (ring[j][1] + ring[i][1]) * f
    }
    return area ? { area: Math.abs(area / 2), point: [round(cx / (3 * area)), round(cy / (3 * area))] } : { area: 0, point: ring[0] }
  }
  const labelPoint = (geometry) => {
    let best = { area: -1, point: null }
    for (const polygon of polygonsOf(geometry)) {
      const c = ringCentroid(polygon[0])
      if (c.area > best.area) best = c
    }
    return best.point
  }

  const small = load('countries-110m.json')
  const features = []
  for (const f of feature(small, small.objects.countries).features) {
    const code = alpha2(f)
    if (!code || code === 'AQ') continue // Antarctica: no cooperation there, and it eats half the map
    const polygons = polygonsOf(f.geometry)
      .map((polygon) => polygon.map(roundRing).filter((ring) => ring.length >= 4))
      .filter((polygon) => polygon.length)
    if (!polygons.length) continue
    features.push({
      type: 'Feature',
      id: code,
      properties: { name: f.properties.name, point: labelPoint(f.geometry) },
      geometry: { type: 'MultiPolygon', coordinates: polygons },
    })
  }
  const drawn = new Set(features.map((f) => f.id))
  const medium = load('countries-50m.json')
  for (const f of feature(medium, medium.objects.countries).features) {
    const code = alpha2(f)
    if (!code || code === 'AQ' || drawn.has(code)) continue
    drawn.add(code)
    features.push({ type: 'Feature', id: code, properties: { name: f.properties.name, point: labelPoint(f.geometry) }, geometry: null })
  }
  features.sort((a, b) => (a.id < b.id ? -1 : 1))
  const version = load('package.json').version
  mkdirSync(join(out, 'map'), { recursive: true })
  writeFileSync(
    join(out, 'map', 'countries.geo.json'),
    JSON.stringify({
      type: 'FeatureCollection',
      source: `Natural Earth 1:110m and 1:50m admin-0 countries (public domain), via world-atlas ${version}`,
      features,
    })
  )
  copyFileSync(join(atlas, 'LICENSE'), join(out, 'map', 'world-atlas-LICENSE.txt'))
}
buildMap()

// --- JS --------------------------------------------------------------------
await esbuild.build({
  entryPoints: {
    opencoop: join(here, 'js', 'opencoop.js'),
    'opencoop-early': join(here, 'js', 'opencoop-early.js'),
    'admin-codelist-picker': join(here, 'js', 'admin-codelist-picker.js'),
    'admin-location-picker': join(here, 'js', 'admin-location-picker.js'),
    'admin-inline-rows': join(here, 'js', 'admin-inline-rows.js'),
    'api-docs': join(here, 'js', 'api-docs.js'),
  },
  outdir: out,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2017'],
  legalComments: 'none',
  logLevel: 'warning',
})

// --- Report ----------------------------------------------------------------
function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.startsWith('.') ? [] : [join(dir, e.name)]
  )
}
const rows = walk(out).map((f) => {
  const buf = readFileSync(f)
  return [f.slice(out.length + 1), buf.length, gzipSync(buf, { level: 9 }).length]
})
const pad = Math.max(...rows.map((r) => r[0].length))
console.log(`built into ${out}`)
for (const [name, raw, gz] of rows) {
  console.log(`  ${name.padEnd(pad)}  ${(raw / 1024).toFixed(1).padStart(7)} KB  gzip ${(gz / 1024).toFixed(1).padStart(6)} KB`)
}
console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
