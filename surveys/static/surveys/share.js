// The survey page's "Copy link" button (surveys/templates/surveys/detail.html). Without this module the
// link is still there to select and copy; the button shows only when copying can work.
const button = document.getElementById("copy-link");
const input = document.getElementById("share-link");
const status = document.getElementById("copy-status");

if (button && input && status && navigator.clipboard) {
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(input.value);
      status.textContent = button.dataset.copied || "";
    } catch {
      input.select();
      status.textContent = button.dataset.failed || "";
    }
  });
}
