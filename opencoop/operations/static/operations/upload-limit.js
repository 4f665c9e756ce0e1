// Refuse, before it is sent, a file over the portal's upload limit: an input carrying
// data-max-bytes shows data-too-large (in the page's language) and its form is not submitted.
(function () {
  "use strict";

  function check(input) {
    var total = 0;
    for (var i = 0; i < (input.files || []).length; i++) {
      total += input.files[i].size;
    }
    var tooLarge = total > Number(input.dataset.maxBytes);
    var message = tooLarge ? input.dataset.tooLarge : "";
    input.setCustomValidity(message);
    var noteId = (input.id || input.name) + "-too-large";
    var note = document.getElementById(noteId);
    if (!note) {
      note = document.createElement("p");
      note.id = noteId;
      note.className = "help-block help-critical";
      note.setAttribute("role", "alert");
      input.insertAdjacentElement("afterend", note);
    }
    note.textContent = message;
    note.hidden = !tooLarge;
    return !tooLarge;
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.type === "file" && input.dataset.maxBytes) {
      check(input);
    }
  });

  document.addEventListener(
    "submit",
    function (event) {
      var inputs = event.target.querySelectorAll("input[type=file][data-max-bytes]");
      for (var i = 0; i < inputs.length; i++) {
        if (!check(inputs[i])) {
          event.preventDefault();
          inputs[i].focus();
        }
      }
    },
    true
  );
})();
