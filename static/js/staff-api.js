// The JSON API with the signed-in staff session, shared by the live staff pages (moderation, show).
// staffApi(method, path, body, offlineMessage) resolves with the answer's JSON; a refusal rejects
// with the API's message (in the page's language), a network failure with offlineMessage.
(function () {
  "use strict";
  var API = "/api/v1";

  window.staffApi = function (method, path, body, offlineMessage) {
    var csrf = document.querySelector('meta[name="csrf-token"]').content;
    return fetch(API + path, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf,
                 "Accept-Language": document.documentElement.lang },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) { throw new Error((data.error && data.error.message) || offlineMessage); }
        return data;
      });
    }, function () { throw new Error(offlineMessage); });
  };
})();
