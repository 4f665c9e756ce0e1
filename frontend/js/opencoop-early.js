/*
 * OpenCoop — early script. Load it synchronously in <head>, before the CSS:
 *   <script src="{% static 'dist/opencoop-early.js' %}"></script>
 * It only touches <html>: marks JavaScript as available (.oc-js) and applies
 * the text size the visitor chose on a previous page (localStorage, no
 * cookie), so the page never flashes at the wrong size.
 * Keep it tiny and dependency-free: it blocks rendering.
 */
(function (root) {
  var size
  root.classList.add('oc-js')
  try {
    size = window.localStorage.getItem('oc-text-size')
  } catch (e) {
    // storage disabled (privacy mode, blocked by the browser): default size
  }
  if (size === 'small' || size === 'large') {
    root.classList.add('oc-text-' + size)
  }
})(document.documentElement)
