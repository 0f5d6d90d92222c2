// Searchable pickers (progressive enhancement of portal/web/pickers.py's controls; WAI-ARIA 1.2 combobox + listbox).
// A `<select data-picker>` (one choice) or `<select multiple data-picker>` / `<ul data-picker="multi">` of checkboxes
// (several) gets a text box that filters the options as you type: by part of the name (城管), by pinyin initials
// (csgl) or pinyin (chengshi). Up/Down move, Enter picks, Escape closes, Home/End jump, Backspace in an empty box
// removes the last chosen item. The plain control stays in the form and is what is submitted: without JavaScript
// it is all there is. At most MAX_SHOWN matches are drawn, from an array built once per control. How a typed text
// matches an option is js/picker-match.js (loaded first, by portal.js).
(function () {
  "use strict";
  var MAX_SHOWN = 50;
  var uid = 0;
  var refocus = null;  // the picker that had focus when htmx swapped it away (the category/region cascade)

  function text(el) { return (el.textContent || "").replace(/\s+/g, " ").trim(); }
  function squash(s) { return (s || "").toLowerCase().replace(/\s+/g, ""); }
  function fmt(template, values) {
    return (template || "").replace(/%\((\w+)\)[sd]/g, function (m, key) { return values[key]; });
  }

  var makeItem = window.portalPickerMatch.makeItem, score = window.portalPickerMatch.score;

  function Picker(control) {
    this.control = control;
    this.isSelect = control.tagName === "SELECT";
    this.multi = !this.isSelect || control.multiple;
    this.id = (control.id || "picker-" + (++uid));
    this.items = this.isSelect ? this.selectItems() : this.checkboxItems();
    this.shown = [];
    this.active = -1;
    this.build();
  }

  Picker.prototype.selectItems = function () {
    var items = [];
    this.blank = null;
    Array.prototype.forEach.call(this.control.options, function (option) {
      if (option.value === "") { this.blank = option; return; }
      var group = option.parentNode.tagName === "OPTGROUP" ? option.parentNode.label : "";
      items.push(makeItem(option.value, text(option), group, option.getAttribute("data-pinyin"), option));
    }, this);
    return items;
  };
  Picker.prototype.checkboxItems = function () {
    var items = [];
    Array.prototype.forEach.call(this.control.querySelectorAll("li"), function (li) {
      var box = li.querySelector("input[type=checkbox]");
      if (box) { items.push(makeItem(box.value, text(li), "", li.getAttribute("data-pinyin"), box)); }
    });
    return items;
  };
  Picker.prototype.isChosen = function (item) {
    return this.isSelect ? item.source.selected : item.source.checked;
  };
  Picker.prototype.chosen = function () {
    return this.items.filter(this.isChosen, this);
  };
  Picker.prototype.string = function (name) {  // the words, from the control (portal/web/pickers.py)
    return this.control.getAttribute("data-picker-" + name) || "";
  };

  Picker.prototype.labelId = function () {
    var label = this.control.id && document.querySelector("label[for='" + this.control.id + "']");
    if (!label) {
      var fieldset = this.control.closest("fieldset");
      label = fieldset && fieldset.querySelector("legend");
    }
    if (!label) { return null; }
    if (!label.id) { label.id = this.id + "-label"; }
    return label.id;
  };

  Picker.prototype.build = function () {
    var control = this.control, self = this;
    var box = document.createElement("div");
    box.className = "picker-box" + (this.multi ? " picker-multi" : "");
    var input = document.createElement("input");
    input.type = "text";
    input.id = this.id + "-picker";
    input.className = "picker-input";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", this.id + "-listbox");
    input.setAttribute("autocomplete", "off");
    input.setAttribute("spellcheck", "false");
    input.placeholder = this.string("placeholder");
    var labelId = this.labelId();
    if (labelId) { input.setAttribute("aria-labelledby", labelId); }
    var described = control.getAttribute("aria-describedby");
    var hintId = this.id + "-picker-hint";
    input.setAttribute("aria-describedby", ((described || "") + " " + hintId).trim());
    if (control.required || control.getAttribute("aria-required") === "true") { input.setAttribute("aria-required", "true"); }
    if (control.getAttribute("aria-invalid") === "true") { input.setAttribute("aria-invalid", "true"); }
    var list = document.createElement("ul");
    list.id = this.id + "-listbox";
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    if (labelId) { list.setAttribute("aria-labelledby", labelId); }
    if (this.multi) { list.setAttribute("aria-multiselectable", "true"); }
    list.hidden = true;
    var hint = document.createElement("p");
    hint.id = hintId;
    hint.className = "picker-hint";
    hint.setAttribute("aria-live", "polite");
    if (this.multi) {
      var chips = document.createElement("ul");
      chips.className = "picker-chips";
      box.appendChild(chips);
      this.chips = chips;
    }
    box.appendChild(input);
    box.appendChild(list);
    box.appendChild(hint);
    this.box = box; this.input = input; this.list = list; this.hint = hint;

    control.parentNode.insertBefore(box, control.nextSibling);
    if (this.isSelect && this.multi) {  // "hold Ctrl to choose several" is about the plain list, no longer shown
      var nativeHint = document.getElementById(control.id + "-hint");
      if (nativeHint) { nativeHint.hidden = true; }
    }
    if (this.isSelect) {  // stays in the form, out of sight and out of the tab order (it is what is submitted)
      control.classList.add("picker-native");
      control.setAttribute("tabindex", "-1");
      control.setAttribute("aria-hidden", "true");
      control.addEventListener("focus", function () { input.focus(); });
      control.addEventListener("change", function () { self.sync(); });  // changed by a script or a test
    } else {
      control.hidden = true;
      control.addEventListener("change", function () { self.sync(); });
    }
    control.setAttribute("data-picker-ready", "true");

    input.addEventListener("input", function (e) { e.stopPropagation(); self.filter(input.value, true); });
    // The text box is not a field of the form: its own change is not the form's (filters that send on change).
    input.addEventListener("change", function (e) { e.stopPropagation(); });
    input.addEventListener("keydown", function (e) { self.keydown(e); });
    input.addEventListener("focus", function () { if (!self.multi) { input.select(); } });
    input.addEventListener("blur", function () { setTimeout(function () { self.blur(); }, 150); });
    input.addEventListener("click", function () { if (list.hidden) { self.filter(self.multi ? input.value : "", false); } });
    list.addEventListener("mousedown", function (e) { e.preventDefault(); });  // keep focus in the text box
    list.addEventListener("click", function (e) {
      var li = e.target.closest("li[role=option]");
      if (li) { self.pick(self.shown[Number(li.getAttribute("data-index"))]); }
    });
    if (this.chips) {
      this.chips.addEventListener("click", function (e) {
        var button = e.target.closest("button[data-value]");
        if (button) { self.unchoose(button.getAttribute("data-value")); input.focus(); }
      });
    }
    this.sync();
  };

  // Show what the plain control holds (after a pick, or when a script changed it).
  Picker.prototype.sync = function () {
    if (this.multi) {
      var chips = this.chips, removeLabel = this.string("remove");
      chips.textContent = "";
      this.chosen().forEach(function (item) {
        var li = document.createElement("li");
        var name = document.createElement("span");
        name.textContent = item.path;
        var button = document.createElement("button");
        button.type = "button";
        button.className = "picker-remove";
        button.setAttribute("data-value", item.value);
        button.setAttribute("aria-label", fmt(removeLabel, {name: item.label}));
        button.textContent = "×";
        li.appendChild(name);
        li.appendChild(button);
        chips.appendChild(li);
      });
      chips.hidden = !chips.firstChild;
    } else {
      var current = this.chosen()[0];
      this.input.value = current ? current.path : "";
    }
  };

  Picker.prototype.filter = function (query, typed) {
    var q = squash(query);
    var matches = [];
    for (var i = 0; i < this.items.length; i++) {
      var s = score(this.items[i], q);
      if (s >= 0) { matches.push([s, i]); }
    }
    if (q) { matches.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; }); }
    this.total = matches.length;
    this.shown = matches.slice(0, MAX_SHOWN).map(function (m) { return this.items[m[1]]; }, this);
    this.render();
    this.open();
    this.setActive(this.shown.length && (typed || !this.multi) ? this.firstActive(q) : -1);
  };
  Picker.prototype.firstActive = function (q) {
    if (q || this.multi) { return 0; }
    var current = this.shown.findIndex(this.isChosen, this);
    return current >= 0 ? current : 0;
  };

  Picker.prototype.render = function () {
    var list = this.list, id = this.id;
    list.textContent = "";
    var fragment = document.createDocumentFragment();
    this.shown.forEach(function (item, index) {
      var li = document.createElement("li");
      li.id = id + "-opt-" + index;
      li.setAttribute("role", "option");
      li.setAttribute("data-index", String(index));
      li.setAttribute("aria-selected", this.isChosen(item) ? "true" : "false");
      li.textContent = item.path;
      fragment.appendChild(li);
    }, this);
    list.appendChild(fragment);
    if (!this.shown.length) {
      this.hint.textContent = this.string("none");
    } else if (this.total > this.shown.length) {
      this.hint.textContent = fmt(this.string("more"), {shown: this.shown.length, total: this.total});
    } else {
      this.hint.textContent = fmt(this.string("count"), {total: this.total});
    }
  };

  Picker.prototype.open = function () {
    this.list.hidden = !this.shown.length;
    this.input.setAttribute("aria-expanded", this.list.hidden ? "false" : "true");
  };
  Picker.prototype.close = function () {
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
    this.hint.textContent = "";
  };
  Picker.prototype.isOpen = function () { return !this.list.hidden; };

  Picker.prototype.setActive = function (index) {
    var previous = this.list.querySelector(".is-active");
    if (previous) { previous.classList.remove("is-active"); }
    this.active = index;
    if (index < 0 || index >= this.shown.length) {
      this.input.removeAttribute("aria-activedescendant");
      return;
    }
    var li = document.getElementById(this.id + "-opt-" + index);
    li.classList.add("is-active");
    this.input.setAttribute("aria-activedescendant", li.id);
    if (li.scrollIntoView) { li.scrollIntoView({block: "nearest"}); }
  };

  Picker.prototype.notify = function () {  // as if the plain control had been changed by hand (htmx cascades)
    this.control.dispatchEvent(new Event("input", {bubbles: true}));
    this.control.dispatchEvent(new Event("change", {bubbles: true}));
  };

  Picker.prototype.pick = function (item) {
    if (!item) { return; }
    if (this.multi) {
      var on = !this.isChosen(item);
      if (this.isSelect) { item.source.selected = on; } else { item.source.checked = on; }
      this.notify();
      this.input.value = "";
      this.filter("", false);
      var index = this.shown.indexOf(item);
      this.setActive(index >= 0 ? index : 0);
      this.hint.textContent = fmt(this.string(on ? "added" : "removed"), {name: item.label});
    } else {
      this.control.value = item.value;
      this.close();
      this.sync();
      this.notify();
      this.input.select();
    }
  };

  Picker.prototype.unchoose = function (value) {
    var item = this.items.find(function (it) { return it.value === value; });
    if (!item || !this.isChosen(item)) { return; }
    if (this.isSelect) { item.source.selected = false; } else { item.source.checked = false; }
    this.notify();
    this.hint.textContent = fmt(this.string("removed"), {name: item.label});
    if (this.isOpen()) { this.render(); this.setActive(Math.min(this.active, this.shown.length - 1)); }
  };

  Picker.prototype.keydown = function (e) {
    if (e.ctrlKey || e.metaKey || (e.altKey && e.key !== "ArrowDown" && e.key !== "ArrowUp")) { return; }
    var open = this.isOpen(), n = this.shown.length;
    switch (e.key) {
      case "ArrowDown":
        e.preventDefault();
        if (!open) { this.filter(this.multi ? this.input.value : "", false); if (!e.altKey && this.active < 0) { this.setActive(0); } }
        else if (!e.altKey) { this.setActive(this.active < n - 1 ? this.active + 1 : 0); }
        break;
      case "ArrowUp":
        e.preventDefault();
        if (!open) { this.filter(this.multi ? this.input.value : "", false); this.setActive(this.shown.length - 1); }
        else if (e.altKey) { this.close(); }
        else { this.setActive(this.active > 0 ? this.active - 1 : n - 1); }
        break;
      case "Home":
      case "End":
        if (open && n) { e.preventDefault(); this.setActive(e.key === "Home" ? 0 : n - 1); }
        break;
      case "Enter":
        if (open && this.active >= 0) { e.preventDefault(); this.pick(this.shown[this.active]); }
        break;
      case "Escape":
        if (open) { e.preventDefault(); this.close(); if (!this.multi) { this.sync(); } }
        else if (this.multi && this.input.value) { e.preventDefault(); this.input.value = ""; }
        else if (!this.multi) { this.sync(); }
        break;
      case "Backspace":
        if (this.multi && this.input.value === "") {
          var chosen = this.chosen();
          if (chosen.length) { e.preventDefault(); this.unchoose(chosen[chosen.length - 1].value); }
        }
        break;
      case "Tab":
        this.close();
        break;
    }
  };

  // Leaving the box: a single picker shows its choice again, or empties the choice when the text was cleared.
  Picker.prototype.blur = function () {
    if (document.activeElement === this.input) { return; }
    this.close();
    if (this.multi) { this.input.value = ""; return; }
    if (this.input.value.trim() === "" && this.blank && this.control.value !== "") {
      this.control.value = "";
      this.notify();
    }
    this.sync();
  };

  function enhance(root) {
    if (!root || !root.querySelectorAll) { return; }
    var controls = root.matches && root.matches("[data-picker]") ? [root] : [];
    controls = controls.concat(Array.prototype.slice.call(root.querySelectorAll("[data-picker]")));
    controls.forEach(function (control) {
      if (control.getAttribute("data-picker-ready")) { return; }
      if (control.tagName !== "SELECT" && control.getAttribute("data-picker") !== "multi") { return; }
      var hadFocus = document.activeElement === control;  // e.g. the first invalid field after a failed send
      var picker = new Picker(control);
      if (hadFocus) { picker.input.focus(); }
      if (refocus && picker.input.id === refocus && (!document.activeElement || document.activeElement === document.body)) {
        picker.input.focus();
        refocus = null;
      }
    });
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var focused = document.activeElement, target = event.detail.target;
    if (focused && focused.classList && focused.classList.contains("picker-input") && target && target.contains(focused)) {
      refocus = focused.id;  // other swaps at the same time (similar cases) leave it alone
    }
  });
  document.addEventListener("htmx:load", function (event) { enhance(event.detail.elt); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
})();
