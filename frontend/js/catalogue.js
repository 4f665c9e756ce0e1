// The catalogue without full reloads, and a filter-within box for long facets.
//
// Progressive enhancement of the plain GET form (data-oc-catalogue): with JavaScript a change
// of a filter fetches the same address the form would load, swaps the facets and results
// (#catalogue-region) and records the address with pushState; the status line announces the
// new heading. Without JavaScript the form works as it is.

const REGION = 'catalogue-region'

// The address whose results are on screen, without its fragment: following a link within the
// page (the skip link to the results) fires popstate too, and must not reload the results and
// take the focus away from the heading it just reached.
let shown = withoutFragment(window.location.href)

function withoutFragment(url) {
  return new URL(url, window.location.href).href.split('#')[0]
}

function formUrl(form) {
  const params = new URLSearchParams(new FormData(form))
  for (const [key, value] of [...params.entries()]) {
    if (value === '') params.delete(key)
  }
  const query = params.toString()
  return form.action.split('?')[0] + (query ? '?' + query : '')
}

function announce(doc) {
  const heading = doc.getElementById('results-heading')
  const status = document.getElementById('catalogue-status')
  if (heading && status) status.textContent = heading.textContent.replace(/\s+/g, ' ').trim()
}

async function load(url, { push = true, focusResults = false } = {}) {
  const region = document.getElementById(REGION)
  if (!region) return false
  region.setAttribute('aria-busy', 'true')
  try {
    const response = await fetch(url, { headers: { Accept: 'text/html' } })
    if (!response.ok) return false
    const doc = new DOMParser().parseFromString(await response.text(), 'text/html')
    const fresh = doc.getElementById(REGION)
    if (!fresh) return false
    region.replaceWith(document.importNode(fresh, true))
    shown = withoutFragment(url)
    if (push) window.history.pushState({ ocCatalogue: true }, '', url)
    announce(document)
    enhanceFacets(document)
    if (focusResults) document.getElementById('results-heading')?.focus()
    return true
  } catch {
    return false
  } finally {
    document.getElementById(REGION)?.removeAttribute('aria-busy')
  }
}

function enhanceFacets(root) {
  root.querySelectorAll('[data-oc-facet-filter]').forEach((fieldset) => {
    if (fieldset.querySelector('.oc-facet-filter')) return
    const legend = fieldset.querySelector('legend')
    const id = fieldset.id + '-within'
    const wrapper = document.createElement('div')
    wrapper.className = 'oc-facet-filter mb-2'
    const label = document.createElement('label')
    label.htmlFor = id
    label.className = 'visually-hidden'
    label.textContent = fieldset.getAttribute('data-oc-facet-filter')
    const input = document.createElement('input')
    input.type = 'search'
    input.id = id
    input.className = 'form-control form-control-sm'
    input.setAttribute('data-oc-no-submit', '')
    input.addEventListener('input', () => {
      const words = input.value.trim().toLowerCase()
      const details = fieldset.querySelector('details')
      if (details && words) details.open = true
      fieldset.querySelectorAll('[data-oc-facet-value]').forEach((item) => {
        item.hidden = words !== '' && !item.textContent.toLowerCase().includes(words)
      })
    })
    wrapper.append(label, input)
    legend.after(wrapper)
  })
}

export function initCatalogue() {
  const form = document.querySelector('form[data-oc-catalogue]')
  if (!form || !window.fetch || !window.history.pushState) return
  enhanceFacets(document)
  form.addEventListener('change', (event) => {
    const target = event.target
    if (!(target instanceof HTMLInputElement || target instanceof HTMLSelectElement)) return
    if (target.type === 'search' || target.hasAttribute('data-oc-no-submit')) return
    load(formUrl(form))
  })
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const url = formUrl(form)
    load(url, { focusResults: true }).then((done) => {
      if (!done) window.location.assign(url)
    })
  })
  // Chips, pagination and "remove all" are links to catalogue addresses: load them in place.
  form.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a[href]') : null
    if (!link || link.hasAttribute('data-oc-download') || event.ctrlKey || event.metaKey) return
    const url = new URL(link.href, window.location.href)
    if (url.pathname !== new URL(form.action).pathname || url.hash) return
    event.preventDefault()
    load(url.href, { focusResults: true }).then((done) => {
      if (!done) window.location.assign(url.href)
    })
  })
  window.addEventListener('popstate', () => {
    if (withoutFragment(window.location.href) === shown) return
    load(window.location.href, { push: false }).then((done) => {
      if (!done) window.location.reload()
    })
  })
}
