// While a learner's session page is open and they are checked in, say every few minutes that they
// are still there (POST to the portal's heartbeat URL, with the page's CSRF token).
(function () {
  "use strict";
  var presence = document.getElementById("presence");
  var field = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (!presence || !field) return;
  var seconds = parseInt(presence.getAttribute("data-seconds"), 10) || 120;
  function beat() {
    fetch(presence.getAttribute("data-heartbeat"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": field.value },
    }).then(function (response) {
      presence.setAttribute("data-last-beat", String(response.status));
    });
  }
  beat();
  window.setInterval(beat, seconds * 1000);
})();
