from django.urls import path

from ledger import views

app_name = "ledger"

urlpatterns = [
    path("checkpoint", views.checkpoint_latest, name="checkpoint_latest"),
    path("checkpoints/", views.checkpoint_history, name="checkpoints"),
    path("checkpoints/<int:size>", views.checkpoint_at, name="checkpoint"),
    path("key", views.public_key, name="key"),
    path("proofs/inclusion", views.inclusion, name="inclusion"),
    path("proofs/consistency", views.consistency, name="consistency"),
]
