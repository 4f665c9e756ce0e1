"""Admin addresses of spreadsheet imports, mounted under /admin/imports/ by a Wagtail hook."""

from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.ImportIndexView.as_view(), name="index"),
    path("<int:pk>/", views.ImportDetailView.as_view(), name="detail"),
    path("template.xlsx", views.xlsx_template, name="template_xlsx"),
    path("template-csv.zip", views.csv_templates, name="template_csv"),
]
