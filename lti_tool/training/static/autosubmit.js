// Post the signed Deep Linking response back to the platform as soon as the page loads.
document.getElementById("lti-autosubmit").submit();
