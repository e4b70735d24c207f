// GOV.UK Frontend's components (error summary focus, character count, service navigation toggle, ...) start here.
// A file rather than the usual inline snippet: the Content-Security-Policy allows scripts from 'self' only.
import { initAll } from "/govuk-frontend/govuk-frontend-5.11.1.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
