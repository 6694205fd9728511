"""The channels app's public endpoints (platforms call these; no login, the signature is the auth)."""

from django.urls import path

from channels import views

app_name = "channels"

urlpatterns = [
    path("<str:code>/webhook", views.webhook, name="webhook"),
]
