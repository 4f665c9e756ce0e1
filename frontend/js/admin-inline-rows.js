// Repeated parts of the admin's records (opencoop/editorial/compact.py): the empty row that an
// "Add …" button copies is not in the page; on the first press it is fetched from the edit view,
// handed to Wagtail's InlinePanel, and the press is replayed. Caught before Wagtail's own handler.
const loading = new Set()

document.addEventListener(
  'click',
  (event) => {
    const button = event.target.closest?.('button[id$="-ADD"]')
    if (!button) return
    const formset = button.id.replace(/-ADD$/, '')
    const template = document.getElementById(`${formset}-EMPTY_FORM_TEMPLATE`)
    const panel = (window.ocInlinePanels || {})[formset]
    if (!template || !template.dataset.emptyRowUrl || !panel || template.dataset.loaded) return
    event.preventDefault()
    event.stopImmediatePropagation()
    if (loading.has(formset)) return
    loading.add(formset)
    button.setAttribute('aria-busy', 'true')
    fetch(template.dataset.emptyRowUrl, { credentials: 'same-origin' })
      .then((response) => {
        if (!response.ok) throw new Error(`${response.status}`)
        return response.text()
      })
      .then((html) => {
        template.innerHTML = html
        panel.emptyFormTemplate = html
        template.dataset.loaded = 'true'
        button.removeAttribute('aria-busy')
        button.click()
      })
      .catch(() => {
        button.removeAttribute('aria-busy')
      })
      .finally(() => loading.delete(formset))
  },
  true
)
