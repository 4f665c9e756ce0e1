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
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
else start()
