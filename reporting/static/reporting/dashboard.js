// The dashboard works without JavaScript (a GET form); this only applies a filter as soon as it
// changes. The curriculum list depends on the programme, so a new programme clears the curriculum.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) {
    return;
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "programme" || event.target.name === "province") {
      var curriculum = form.elements.namedItem("curriculum");
      if (curriculum) {
        curriculum.value = "";
      }
    }
    form.submit();
  });
})();
