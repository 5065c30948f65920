"""E-mail in (IMAP polling, threading onto cases, auto-replies and bounces) and e-mail out
(replies from the case screen through SMTP). See docs/channels/mail.md."""
