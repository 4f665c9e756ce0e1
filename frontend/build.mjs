// OpenCoop front-end build: `npm run build` (Node 20, no network).
//
//   scss/opencoop.scss  --sass-->  ../opencoop/static/dist/opencoop.css
//   js/opencoop.js      --esbuild-> ../opencoop/static/dist/opencoop.js
//   js/opencoop-early.js --esbuild-> ../opencoop/static/dist/opencoop-early.js
//   bootstrap-italia fonts (only the .woff2 the CSS references) -> dist/fonts/
//   bootstrap-italia dist/svg/sprites.svg                     -> dist/svg/
//
// The output folder is wiped first and contains its own .gitignore ("*"),
// so build output can never be committed by accident.
import { mkdirSync, rmSync, writeFileSync, copyFileSync, readFileSync, readdirSync, existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import * as sass from 'sass'
import * as esbuild from 'esbuild'

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

const css = pxToRem(result.css)
writeFileSync(join(out, 'opencoop.css'), css + '\n')

// Fonts: copy exactly the files that the CSS references (url(fonts/...)).
const fontDirs = readdirSync(join(bi, 'src', 'fonts')).map((d) => join(bi, 'src', 'fonts', d))
const fontFiles = new Set([...css.matchAll(/url\(["']?fonts\/([^"')]+)["']?\)/g)].map((m) => m[1]))
const licences = new Set()
for (const file of fontFiles) {
  const dir = fontDirs.find((d) => existsSync(join(d, file)))
  if (!dir) throw new Error(`font ${file} referenced by the CSS is not in bootstrap-italia/src/fonts`)
  copyFileSync(join(dir, file), join(out, 'fonts', file))
  for (const lic of ['OFL.txt', 'LICENSE.txt']) {
    if (existsSync(join(dir, lic))) licences.add([join(dir, lic), `${dir.split(/[\\/]/).pop()}-${lic}`])
  }
}
for (const [src, name] of licences) copyFileSync(src, join(out, 'fonts', name))

// Icons
copyFileSync(join(bi, 'dist', 'svg', 'sprites.svg'), join(out, 'svg', 'sprites.svg'))

// --- JS --------------------------------------------------------------------
await esbuild.build({
  entryPoints: {
    opencoop: join(here, 'js', 'opencoop.js'),
    'opencoop-early': join(here, 'js', 'opencoop-early.js'),
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
