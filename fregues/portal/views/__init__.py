"""Portal screens under /portal/ (one module per area, each with its ``urlpatterns``)."""
