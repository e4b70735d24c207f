// Create user: fill the name and email from the staff directory as soon as a staff ID is typed.
// Without JavaScript the Find button does the same by reloading the page.
(function () {
  var input = document.getElementById("staffId");
  var hidden = document.getElementById("staffId-hidden");
  var name = document.getElementById("userName");
  var email = document.getElementById("email");
  if (!input || !hidden || !name || !email) return;
  function lookUp() {
    var id = input.value.trim();
    hidden.value = id;
    name.value = "";
    email.value = "";
    if (!/^[0-9]{1,9}$/.test(id)) return;
    fetch("/tool/directory/" + encodeURIComponent(id), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (person) {
        if (person && input.value.trim() === person.staffId) {
          name.value = person.name;
          email.value = person.email;
        }
      })
      .catch(function () {});
  }
  input.addEventListener("input", lookUp);
  input.addEventListener("change", lookUp);
})();
