// Progressive enhancement only: every flow works without this file.
document.documentElement.classList.add("js");

document.addEventListener("click", function (event) {
  if (event.target.closest(".js-print")) { window.print(); }
});

document.addEventListener("htmx:afterSwap", function (event) {
  var target = event.detail.target;
  // Inline validation swapped a field's message: keep aria-invalid and the error style in step with it.
  if (target && target.classList && target.classList.contains("field-error")) {
    var message = document.getElementById(target.id) || target;
    var input = document.getElementById(message.id.replace(/-error$/, ""));
    var invalid = message.textContent.trim() !== "";
    if (input) {
      if (invalid) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
      var wrapper = input.closest(".field");
      if (wrapper) { wrapper.classList.toggle("has-error", invalid); }
    }
    return;
  }
  // A form came back with errors after a submit: move focus to the first invalid field.
  var config = event.detail.requestConfig;
  if (config && config.verb === "post" && config.elt && config.elt.tagName === "FORM") {
    var first = document.querySelector("[aria-invalid=true]");
    if (first) { first.focus(); }
  }
});

// A form that stays on the page for the next entry (tea salon capture): empty the text and focus it after success.
// (Here rather than in hx-on: the Content-Security-Policy allows no eval.)
document.addEventListener("htmx:afterRequest", function (event) {
  var form = event.detail.elt;
  if (!event.detail.successful || !form || !form.hasAttribute || !form.hasAttribute("data-clear-after-success")) {
    return;
  }
  var text = form.querySelector("textarea");
  if (text) { text.value = ""; text.focus(); }
});
