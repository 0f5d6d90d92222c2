// How a searchable picker (js/picker.js) matches what is typed against an option: by part of the name (城管), by
// pinyin initials (csgl) or pinyin (chengshi), or by the characters in order (城管 in 市城市管理局). Loaded before
// picker.js by portal.js; no DOM here.
window.portalPickerMatch = (function () {
  "use strict";
  var HAN = /[\u3400-\u9fff]/;

  function makeItem(value, label, group, pinyin, source) {
    var path = group ? group + " › " + label : label;
    var syllables = pinyin ? pinyin.split(" ") : [];
    return {
      value: value, label: label, path: path, source: source, hay: path.toLowerCase(),
      syllables: syllables, initials: syllables.map(function (s) { return s.charAt(0); }).join(""),
      full: syllables.join("")
    };
  }

  // "chengguan" matches 城(cheng)管(guan) only for syllables side by side: each part of the query is the start of
  // one syllable, from any syllable on ("chengshig", "shiguan", "csgl", "cshig").
  function syllablesMatch(q, syllables, pos, i) {
    if (pos === q.length) { return true; }
    if (i >= syllables.length) { return false; }
    var s = syllables[i];
    for (var k = Math.min(s.length, q.length - pos); k >= 1; k--) {
      if (q.substr(pos, k) === s.substr(0, k) && syllablesMatch(q, syllables, pos + k, i + 1)) { return true; }
    }
    return false;
  }
  function subsequence(q, hay) {
    var at = 0;
    for (var i = 0; i < q.length; i++) {
      at = hay.indexOf(q.charAt(i), at);
      if (at < 0) { return false; }
      at += 1;
    }
    return true;
  }
  // Lower is better; -1: no match.
  function score(item, q) {
    if (!q) { return 0; }
    var at = item.hay.indexOf(q);
    if (at === 0 || item.label.toLowerCase().indexOf(q) === 0) { return 0; }
    if (at > 0) { return 1; }
    if (item.syllables.length && /^[a-z]+$/.test(q)) {
      if (item.initials.indexOf(q) === 0 || item.full.indexOf(q) === 0) { return 2; }
      if (item.initials.indexOf(q) > 0 || item.full.indexOf(q) > 0) { return 3; }
      for (var i = 0; i < item.syllables.length; i++) {
        if (syllablesMatch(q, item.syllables, 0, i)) { return i === 0 ? 2 : 3; }
      }
    }
    if (HAN.test(q) && subsequence(q, item.hay)) { return 4; }  // 城管 in 市城市管理局
    return -1;
  }

  return { makeItem: makeItem, score: score };
})();
