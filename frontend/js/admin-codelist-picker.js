// The admin's codelist pickers (opencoop/codelists/widgets.py): a text input tied to a
// <datalist> (named by the input's list attribute) that is filled once per page and codelist,
// when a picker is first used, from the address in data-codelist-url; the label of the typed or
// chosen code is shown beside it.
// Rows added later (Wagtail's inline panels) are handled too: events are caught on the document.
import './admin-codelist-picker.css'

const loaded = new Map() // datalist id -> Promise of Map(code -> "code – label")

function load(picker) {
  const id = picker.querySelector('input[list]').getAttribute('list')
  if (!loaded.has(id)) {
    const list = document.createElement('datalist')
    list.id = id
    document.body.appendChild(list)
    loaded.set(
      id,
      fetch(picker.dataset.codelistUrl, { credentials: 'same-origin' })
        .then((response) => (response.ok ? response.json() : { options: [] }))
        .then(({ options }) => {
          const labels = new Map()
          for (const [code, text] of options) {
            const option = document.createElement('option')
            option.value = code
            option.textContent = text
            list.appendChild(option)
            labels.set(code, text)
          }
          return labels
        })
    )
  }
  return loaded.get(id)
}

function pickerOf(target) {
  return target instanceof HTMLInputElement ? target.closest('[data-codelist-picker]') : null
}

document.addEventListener('focusin', (event) => {
  const picker = pickerOf(event.target)
  if (picker) load(picker)
})

document.addEventListener('input', (event) => {
  const picker = pickerOf(event.target)
  if (!picker) return
  load(picker).then((labels) => {
    const text = labels.get(event.target.value.trim())
    const label = picker.querySelector('[data-codelist-label]')
    // "14030 – Acqua potabile…" without the code, which the input already shows.
    if (label) label.textContent = text ? text.replace(/^[^–]*–\s*/, '') : ''
  })
})
