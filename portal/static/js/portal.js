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

// A form that is being sent cannot be sent again: its visible submit buttons are disabled until the answer
// arrives (htmx), or for good when the browser navigates (plain form). Hidden "Enter submits" buttons and the
// no-JavaScript "update choices" buttons are left alone. (Instead of hx-disabled-elt, which takes the first match
// of its selector, and which the form's inline-validation inputs would inherit.)
function sendButtons(form) {
  return Array.prototype.filter.call(form.querySelectorAll("button:not([type=button]):not([type=reset]), input[type=submit]"),
    function (b) { return !b.hidden && b.name !== "refresh" && !b.closest("[hidden]"); });
}
function setSending(form, sending) {
  sendButtons(form).forEach(function (b) {
    if (sending) { b.disabled = true; b.setAttribute("aria-busy", "true"); }
    else { b.disabled = false; b.removeAttribute("aria-busy"); }
  });
  if (sending) { form.setAttribute("data-sending", "true"); } else { form.removeAttribute("data-sending"); }
}
document.addEventListener("htmx:beforeRequest", function (event) {
  var elt = event.detail.elt;
  if (elt && elt.tagName === "FORM" && event.detail.requestConfig && event.detail.requestConfig.verb !== "get") {
    if (elt.getAttribute("data-sending")) { event.preventDefault(); return; }  // a second click while in flight
    setSending(elt, true);
  }
});
document.addEventListener("htmx:afterRequest", function (event) {
  var elt = event.detail.elt;
  if (elt && elt.tagName === "FORM") { setSending(elt, false); }
});
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (event.defaultPrevented || form.hasAttribute("hx-post") || form.hasAttribute("data-hx-post")) { return; }
  var submitter = event.submitter;
  if (submitter && submitter.name === "refresh") { return; }
  if (form.getAttribute("data-sending")) { event.preventDefault(); return; }
  setSending(form, true);
});
window.addEventListener("pageshow", function () {  // back to a page kept in the cache: its forms can be sent again
  Array.prototype.forEach.call(document.querySelectorAll("form[data-sending]"), function (f) { setSending(f, false); });
});

// Searchable pickers (js/picker.js) load on the pages that have one, including controls htmx brings in later:
// no page has to remember to include the script.
var pickerScript = document.currentScript && document.currentScript.src.replace(/portal\.js(\?.*)?$/, "picker.js");
function loadPickers(root) {
  if (window.portalPickerRequested || !pickerScript || !root || !root.querySelector) { return; }
  if (!(root.matches && root.matches("[data-picker]")) && !root.querySelector("[data-picker]")) { return; }
  window.portalPickerRequested = true;
  [pickerScript.replace(/picker\.js/, "picker-match.js"), pickerScript].forEach(function (src) {
    var script = document.createElement("script");
    script.src = src;
    script.async = false;  // run in this order: the matching first
    document.head.appendChild(script);
  });
}
document.addEventListener("DOMContentLoaded", function () { loadPickers(document); });
document.addEventListener("htmx:load", function (event) { loadPickers(event.detail.elt); });
