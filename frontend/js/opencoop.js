/*
 * OpenCoop — main script (vanilla ES2017), bundled by esbuild into
 * dist/opencoop.js. Load it at the end of <body> or with `defer`:
 *   <script src="{% static 'dist/opencoop.js' %}" defer></script>
 *
 * - marks <html> with .oc-js (also done earlier by opencoop-early.js);
 * - text-size buttons:  <button type="button" data-oc-text-size="small|medium|large">
 *   set oc-text-small / oc-text-large on <html>, aria-pressed on the buttons,
 *   and remember the choice in localStorage (never a cookie);
 * - print buttons:      <button type="button" data-oc-print>  -> window.print();
 * - before printing, copies each content link's absolute URL into
 *   data-oc-href so the print stylesheet can show it after the link;
 * - the only Bootstrap Italia module: the header's collapsible navbar
 *   (mobile drawer), driven by data-bs-toggle="navbarcollapsible".
 */
import NavBarCollapsible from 'bootstrap-italia/src/js/plugins/navbar-collapsible.js'
import { initCatalogue } from './catalogue.js'

const root = document.documentElement
const STORAGE_KEY = 'oc-text-size'
const SIZES = ['small', 'medium', 'large']

root.classList.add('oc-js')

function storedSize() {
  try {
    const value = window.localStorage.getItem(STORAGE_KEY)
    return SIZES.includes(value) ? value : 'medium'
  } catch (e) {
    return 'medium'
  }
}

function applySize(size) {
  root.classList.toggle('oc-text-small', size === 'small')
  root.classList.toggle('oc-text-large', size === 'large')
  document.querySelectorAll('[data-oc-text-size]').forEach((button) => {
    button.setAttribute('aria-pressed', String(button.getAttribute('data-oc-text-size') === size))
  })
}

function saveSize(size) {
  try {
    if (size === 'medium') {
      window.localStorage.removeItem(STORAGE_KEY)
    } else {
      window.localStorage.setItem(STORAGE_KEY, size)
    }
  } catch (e) {
    // storage unavailable: the choice lasts for this page only
  }
}

function absolutiseLinks() {
  document.querySelectorAll('main a[href]').forEach((link) => {
    const href = link.getAttribute('href')
    if (href && href.charAt(0) !== '#' && !/^(javascript|mailto|tel):/i.test(href)) {
      link.setAttribute('data-oc-href', link.href)
    }
  })
}

function init() {
  applySize(storedSize())
  initCatalogue()

  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null
    if (!target) return

    const sizeButton = target.closest('[data-oc-text-size]')
    if (sizeButton) {
      const size = sizeButton.getAttribute('data-oc-text-size')
      if (SIZES.includes(size)) {
        applySize(size)
        saveSize(size)
      }
      return
    }

    if (target.closest('[data-oc-print]')) {
      event.preventDefault()
      absolutiseLinks()
      window.print()
    }
  })

  // Ctrl+P / the browser menu too
  window.addEventListener('beforeprint', absolutiseLinks)

  // Another tab changed the size: follow it.
  window.addEventListener('storage', (event) => {
    if (event.key === STORAGE_KEY) applySize(storedSize())
  })

  // Create the navbar instances up front so their toggle buttons get the
  // right aria-expanded and Escape/close handling from the first click.
  document.querySelectorAll('[data-bs-toggle="navbarcollapsible"]').forEach((toggle) => {
    const selector = toggle.getAttribute('data-bs-target') || toggle.getAttribute('href')
    const drawer = selector && selector.charAt(0) === '#' ? document.getElementById(selector.slice(1)) : null
    if (drawer) NavBarCollapsible.getOrCreateInstance(drawer)
  })
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', init)
} else {
  init()
}
