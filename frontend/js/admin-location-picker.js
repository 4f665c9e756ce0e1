// The admin's location picker (opencoop/activities/panels.py): a place name from the gazetteer
// of the partner countries, or a click on the portal's own map, fills the row's latitude and
// longitude. Rows added later (Wagtail's inline panels) work too: events are caught on the
// document. The map comes from the server as SVG with the projection's frame (Equal Earth,
// opencoop/geography/projection.py), inverted here to turn a click into degrees.
import './admin-location-picker.css'

const A1 = 1.340264
const A2 = -0.081106
const A3 = 0.000893
const A4 = 0.003796
const M = Math.sqrt(3) / 2
const SVG = 'http://www.w3.org/2000/svg'

function project([longitude, latitude], frame) {
  const lam = (longitude * Math.PI) / 180
  const theta = Math.asin(M * Math.sin((latitude * Math.PI) / 180))
  const t2 = theta * theta
  const t6 = t2 * t2 * t2
  const x = (lam * Math.cos(theta)) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
  const y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
  return [(x + frame.x_max) * frame.scale, (frame.top - y) * frame.scale]
}

function unproject([px, py], frame) {
  const x = px / frame.scale - frame.x_max
  const y = frame.top - py / frame.scale
  let theta = y
  for (let i = 0; i < 20; i += 1) {
    const t2 = theta * theta
    const t6 = t2 * t2 * t2
    const step =
      (theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2)) - y) / (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2))
    theta -= step
    if (Math.abs(step) < 1e-12) break
  }
  const t2 = theta * theta
  const t6 = t2 * t2 * t2
  const lam = (M * x * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2))) / Math.cos(theta)
  const latitude = (Math.asin(Math.max(-1, Math.min(1, Math.sin(theta) / M))) * 180) / Math.PI
  return [(lam * 180) / Math.PI, latitude]
}

const field = (picker, name) => document.getElementById(`id_${picker.dataset.prefix}-${name}`)

function set(input, value) {
  if (!input) return
  input.value = value
  input.dispatchEvent(new Event('input', { bubbles: true }))
  input.dispatchEvent(new Event('change', { bubbles: true }))
}

function countries(picker) {
  // The row's country, else the activity's recipient countries.
  const own = field(picker, 'country')
  if (own && own.value.trim()) return [own.value.trim()]
  return [...document.querySelectorAll('input[name^="recipient_countries-"][name$="-code"]')]
    .filter((input) => !input.closest('template') && input.value.trim())
    .map((input) => input.value.trim())
}

function marker(picker) {
  const holder = picker.querySelector('[data-location-map] [data-frame]')
  const svg = holder && holder.querySelector('svg')
  const latitude = parseFloat(field(picker, 'latitude')?.value)
  const longitude = parseFloat(field(picker, 'longitude')?.value)
  if (!svg) return
  let dot = svg.querySelector('[data-location-marker]')
  if (Number.isNaN(latitude) || Number.isNaN(longitude)) {
    if (dot) dot.remove()
    return
  }
  const [x, y] = project([longitude, latitude], JSON.parse(holder.dataset.frame))
  if (!dot) {
    dot = document.createElementNS(SVG, 'circle')
    dot.setAttribute('data-location-marker', '')
    dot.setAttribute('r', '2')
    dot.setAttribute('fill', '#c0392b')
    dot.setAttribute('stroke', '#ffffff')
    dot.setAttribute('stroke-width', '0.5')
    svg.appendChild(dot)
  }
  dot.setAttribute('cx', x.toFixed(2))
  dot.setAttribute('cy', y.toFixed(2))
}

function place(picker, latitude, longitude, name) {
  set(field(picker, 'latitude'), latitude.toFixed(6))
  set(field(picker, 'longitude'), longitude.toFixed(6))
  const status = picker.querySelector('[data-location-status]')
  if (status) status.textContent = `${name ? name + ': ' : ''}${latitude.toFixed(6)}, ${longitude.toFixed(6)}`
  marker(picker)
}

async function openMap(picker, button) {
  const box = picker.querySelector('[data-location-map]')
  const opening = box.hidden
  box.hidden = !opening
  button.setAttribute('aria-expanded', String(opening))
  const wanted = countries(picker)[0] || ''
  if (!opening || box.dataset.country === wanted) return
  const url = `${picker.dataset.mapUrl}?country=${encodeURIComponent(wanted)}&row=${encodeURIComponent(picker.dataset.prefix)}`
  const response = await fetch(url, { credentials: 'same-origin' })
  box.innerHTML = await response.text()
  box.dataset.country = wanted
  marker(picker)
}

document.addEventListener('click', (event) => {
  const button = event.target.closest?.('[data-location-map-toggle]')
  if (button) {
    openMap(button.closest('[data-location-picker]'), button)
    return
  }
  const svg = event.target.closest?.('[data-location-map] svg')
  if (!svg) return
  const picker = svg.closest('[data-location-picker]')
  const frame = JSON.parse(svg.parentElement.dataset.frame)
  const point = svg.createSVGPoint()
  point.x = event.clientX
  point.y = event.clientY
  const inner = point.matrixTransform(svg.getScreenCTM().inverse())
  const [longitude, latitude] = unproject([inner.x, inner.y], frame)
  place(picker, latitude, longitude, '')
})

const found = new WeakMap() // search input -> Map(label -> place)
let pending = null

document.addEventListener('input', (event) => {
  const input = event.target
  if (input.matches?.('[data-location-search]')) {
    const picker = input.closest('[data-location-picker]')
    const known = found.get(input)?.get(input.value)
    if (known) {
      place(picker, known.latitude, known.longitude, known.label)
      const name = document.querySelector(`[name^="${picker.dataset.prefix}-name"]`)
      if (name && !name.value.trim()) set(name, known.name)
      const country = field(picker, 'country')
      if (country && !country.value.trim()) set(country, known.country)
      return
    }
    clearTimeout(pending)
    pending = setTimeout(async () => {
      const query = input.value.trim()
      if (query.length < 2) return
      const url = `${picker.dataset.placesUrl}?q=${encodeURIComponent(query)}&countries=${encodeURIComponent(countries(picker).join(','))}`
      const response = await fetch(url, { credentials: 'same-origin' })
      if (!response.ok) return
      const { places } = await response.json()
      const list = picker.querySelector('[data-location-list]')
      const labels = new Map()
      list.replaceChildren(
        ...places.map((item) => {
          labels.set(item.label, item)
          const option = document.createElement('option')
          option.value = item.label
          return option
        })
      )
      found.set(input, labels)
    }, 200)
    return
  }
  // Typed coordinates move the marker.
  const picker = document.querySelector(`[data-location-picker][data-prefix="${input.name?.replace(/-(latitude|longitude)$/, '')}"]`)
  if (picker && /-(latitude|longitude)$/.test(input.name)) marker(picker)
})
