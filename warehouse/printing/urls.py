from django.urls import path

from warehouse.printing import manifest_views, views, waves

app_name = "printing"

urlpatterns = [
    path("sheet/<str:number>.pdf", views.sheet_pdf, name="sheet"),
    path("sheets.pdf", views.sheets_pdf_view, name="sheets"),
    path("label/<str:number>.pdf", views.label_pdf, name="label"),
    path("labels.pdf", views.labels_pdf_view, name="labels"),
    path("label/<str:number>.html", views.label_html, name="label-html"),
    path("labels.html", views.labels_html_view, name="labels-html"),
    path("manifest/<int:pk>.pdf", manifest_views.manifest, name="manifest"),
    path("wave/<int:pk>/sheets.pdf", waves.wave_sheets_pdf, name="wave-sheets"),
    path("wave/<int:pk>/labels.pdf", waves.wave_labels_pdf, name="wave-labels"),
    path("wave/<int:pk>/labels.html", waves.wave_labels_html, name="wave-labels-html"),
]
