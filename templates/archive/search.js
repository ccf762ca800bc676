/* Offline search of the archive: the index (search-index.js, built with the
   site) is in the page; nothing is asked of any server. */
(function () {
  "use strict";
  var docs = window.WIP_SEARCH || [];
  var form = document.getElementById("search-form");
  var box = document.getElementById("q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");

  function fold(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }
  for (var i = 0; i < docs.length; i++) {
    docs[i].haystack = fold([docs[i].title, docs[i].text, docs[i].tags, docs[i].issue].join(" "));
  }

  function run(query) {
    var terms = fold(query).split(/\s+/).filter(Boolean);
    list.textContent = "";
    if (!terms.length) { status.textContent = ""; return; }
    var found = docs.filter(function (doc) {
      return terms.every(function (term) { return doc.haystack.indexOf(term) !== -1; });
    });
    status.textContent = found.length
      ? status.dataset.count.replace("{n}", found.length) : status.dataset.none;
    found.slice(0, 200).forEach(function (doc) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = doc.url;
      link.textContent = doc.title;
      if (doc.lang !== document.documentElement.lang) { link.lang = doc.lang; }
      item.appendChild(link);
      var where = document.createElement("p");
      where.textContent = doc.issue + (doc.date ? " · " + doc.date : "");
      item.appendChild(where);
      list.appendChild(item);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    history.replaceState(null, "", "?q=" + encodeURIComponent(box.value));
    run(box.value);
  });
  var initial = new URLSearchParams(location.search).get("q");
  if (initial) { box.value = initial; run(initial); }
})();
