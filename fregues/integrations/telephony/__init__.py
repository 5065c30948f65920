"""Telephony (issue 12 part 4): call events from the telephony system, the agent's
screen-pop, calls on the customer's timeline and the click-to-call seam.
See docs/channels/telephony.md."""
