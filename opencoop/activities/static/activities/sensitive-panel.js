// Keep the sensitive-activity panel in step with the form before it is saved: each item names
// its switch (an activity field, or "<relation>.<field>" of rows) and shows what it withholds
// while that switch is on. The server draws the same state on load (disclosure.withholdings).
(function () {
  function isOn(form, input) {
    if (input.type === 'checkbox') {
      if (!input.checked) return false
    } else if (!input.value) {
      return false
    }
    // A row marked for deletion no longer hides anything.
    var row = input.name.match(/^(.+-\d+)-/)
    var deleted = row && form.querySelector('[name="' + row[1] + '-DELETE"]')
    return !(deleted && (deleted.checked || deleted.value === '1'))
  }

  function inputsOf(form, name) {
    var dot = name.indexOf('.')
    if (dot < 0) return form.querySelectorAll('[name="' + name + '"]')
    var relation = name.slice(0, dot)
    var field = name.slice(dot + 1)
    return form.querySelectorAll('[name^="' + relation + '-"][name$="-' + field + '"]')
  }

  function refresh(panel) {
    var form = panel.closest('form')
    if (!form) return
    panel.querySelectorAll('[data-sensitive-switch]').forEach(function (item) {
      var on = Array.prototype.some.call(inputsOf(form, item.dataset.sensitiveSwitch), function (input) {
        return isOn(form, input)
      })
      item.dataset.active = on ? 'true' : 'false'
      item.querySelector('[data-when-on]').hidden = !on
      item.querySelector('[data-when-off]').hidden = on
    })
  }

  function start() {
    document.querySelectorAll('[data-sensitive-panel]').forEach(function (panel) {
      var form = panel.closest('form')
      if (!form) return
      form.addEventListener('change', function () { refresh(panel) })
      form.addEventListener('input', function () { refresh(panel) })
    })
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
  else start()
})()
