"""/api/v1/lifecycle-rules: the rules that move customers by what they buy."""

from ninja import Router

router = Router(tags=["lifecycle rules"])
