// The API documentation page: Swagger UI (django-ninja's copy, served by the portal) started in the
// site's frame, accessible: the page's own h1 stays the only one, links always have text, no link
// sits inside a button, and the colours and targets meet WCAG AA (api-docs.css).
import './api-docs.css'

// Swagger UI's "info" block opens with an h1 holding the API's title: the page has its h1 already
// ("API documentation"), so the block shows the title as an h2, then the description.
function InfoWithoutH1(system) {
  const React = system.React
  function info(props) {
    // "info" is given the document's info; OAS31Info (OpenAPI 3.1, django-ninja's) reads it.
    const details = props.info || props.specSelectors.info()
    const Markdown = props.getComponent('Markdown', true)
    const version = details.get('version')
    return React.createElement(
      'div',
      { className: 'info' },
      React.createElement(
        'h2',
        { className: 'title' },
        details.get('title'),
        version ? React.createElement('small', { className: 'oc-api-version' }, ` ${version}`) : null,
      ),
      React.createElement(
        'div',
        { className: 'description' },
        React.createElement(Markdown, { source: details.get('description') || '' }),
      ),
    )
  }
  return { components: { info, OAS31Info: info } }
}

// Swagger UI's selects (a parameter's values, a response's media type, its examples) have no
// name, and its code samples scroll without a way to reach them by keyboard: name each select
// and make each code block a labelled, focusable region as React puts them on the page.
const WORDS = {
  en: { mediaType: 'Media type', example: 'Example', choice: 'Choice', code: 'Code sample' },
  it: { mediaType: 'Tipo di contenuto', example: 'Esempio', choice: 'Scelta', code: 'Esempio di codice' },
}

function words() {
  return WORDS[(document.documentElement.lang || 'en').slice(0, 2)] || WORDS.en
}

function selectName(select, said) {
  const row = select.closest('tr[data-param-name]')
  if (row) return row.getAttribute('data-param-name')
  if (select.closest('[class*="content-type"], [class*="media-type"]')) return said.mediaType
  if (select.closest('[class*="example"]')) return said.example
  return said.choice
}

function label(root) {
  const said = words()
  for (const select of root.querySelectorAll('select')) {
    if (select.hasAttribute('aria-label') || select.labels.length) continue
    select.setAttribute('aria-label', selectName(select, said))
  }
  for (const pre of root.querySelectorAll('pre')) {
    if (pre.hasAttribute('tabindex')) continue
    pre.setAttribute('tabindex', '0')
    pre.setAttribute('role', 'region')
    pre.setAttribute('aria-label', said.code)
  }
}

function labelAsShown(root) {
  label(root)
  new MutationObserver(() => label(root)).observe(root, { childList: true, subtree: true })
}

function start() {
  const settings = JSON.parse(document.getElementById('swagger-settings').textContent)
  window.SwaggerUIBundle({
    ...settings,
    dom_id: '#swagger-ui',
    presets: [window.SwaggerUIBundle.presets.apis],
    plugins: [InfoWithoutH1],
    layout: 'BaseLayout',
    // A deep link is an <a> inside each operation's button (nested interactive controls).
    deepLinking: false,
  })
  labelAsShown(document.getElementById('swagger-ui'))
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
else start()
