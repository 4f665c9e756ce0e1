// The admin's record forms drawn compactly (opencoop/editorial/compact.py). Loaded before the
// form (not deferred): each tab's and part's inline script calls ocSections and ocInlinePanel
// while the page is read, before Wagtail binds toggles, buttons and the minimap.
//
// A tab's sections come with their heading only: each gets its anchor link and toggle (icon
// from data-panel-icon) from the page's one copy (template#oc-section-header), and a divider.
window.ocSections = (tab) => {
  const header = document.getElementById('oc-section-header')
  if (!header || !tab) return
  for (const section of tab.querySelectorAll(':scope > section[data-panel]')) {
    const top = section.querySelector(':scope > .w-panel__header')
    if (!top || top.querySelector(':scope > [data-panel-toggle]')) continue
    const panel = section.id.replace(/-section$/, '')
    let html = header.innerHTML.replaceAll('OCPANEL', panel)
    if (top.dataset.panelIcon) {
      html = html.replaceAll('icon-placeholder', `icon-${top.dataset.panelIcon}`)
    }
    top.insertAdjacentHTML('afterbegin', html)
    top.insertAdjacentHTML('beforeend', '<div class="w-panel__divider"></div>')
  }
}

//
// The rows' headers (toggle, heading, move and delete buttons) differ only by the row's ids and
// the part's label (the row's section gets its id and name here too): the page holds one (template#oc-row-header) and each row gets its copy here,
// before Wagtail's InlinePanel binds the buttons.
window.ocInlinePanel = (options, label) => {
  const header = document.getElementById('oc-row-header')
  const rows = document.getElementById(`${options.formsetPrefix}-FORMS`)
  if (header && rows) {
    for (const row of rows.querySelectorAll(':scope > [data-inline-panel-child]')) {
      const section = row.querySelector(':scope > section')
      if (!section || section.querySelector(':scope > .w-panel__header')) continue
      const form = row.id.replace(/^inline_child_/, '')
      section.id = `${row.id}-panel-section`
      section.setAttribute('aria-labelledby', `${row.id}-panel-heading`)
      section.insertAdjacentHTML(
        'afterbegin',
        header.innerHTML.replaceAll('OCROW', row.id).replaceAll('OCFORM', form)
      )
      section.querySelector('[data-panel-heading-text]').prepend(label)
      if (!options.canOrder) {
        for (const button of section.querySelectorAll(
          '[data-inline-panel-child-move-up], [data-inline-panel-child-move-down], [data-inline-panel-child-drag]'
        )) {
          button.remove()
        }
      }
    }
  }
  // eslint-disable-next-line no-undef
  const panel = new InlinePanel(options)
  window.ocInlinePanels = window.ocInlinePanels || {}
  window.ocInlinePanels[options.formsetPrefix] = panel
  return panel
}

// The empty row that an "Add …" button copies is not in the page; on the first press it is
// fetched from the edit view, handed to Wagtail's InlinePanel, and the press is replayed. Caught
// before Wagtail's own handler.
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

// A chooser comes with its state only (compact_chooser in compact.py): the chosen label as its
// text, its edit address in data-edit-url. Its buttons, icons and menu are copied in from its
// kind's one template (template#oc-chooser-<kind>), before Wagtail's chooser reads them.
window.ocChooser = (id, kind) => {
  const chooser = document.getElementById(`${id}-chooser`)
  const [template, ...copies] = document.querySelectorAll(`template[id="oc-chooser-${kind}"]`)
  // A fetched empty row brings its own copy of the templates its choosers need.
  for (const copy of copies) copy.remove()
  if (!chooser || !template || chooser.querySelector('[data-chooser-title]')) return
  const title = chooser.textContent
  const editUrl = chooser.dataset.editUrl
  chooser.removeAttribute('data-edit-url')
  chooser.innerHTML = template.innerHTML.replaceAll('OCCHOOSER', () => id)
  chooser.querySelector('[data-chooser-title]').textContent = title
  const link = chooser.querySelector('[data-chooser-edit-link]')
  if (link && editUrl) {
    link.setAttribute('href', editUrl)
    link.hidden = false
  }
}
