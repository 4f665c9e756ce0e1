"""Admin addresses of background jobs, mounted under /admin/jobs/ by a Wagtail hook."""

from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_index, name="index"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/progress.json", views.job_progress, name="progress"),
    path("<int:pk>/result", views.job_output, name="output"),
    path("<int:pk>/report.csv", views.job_issues_csv, name="issues-csv"),
    path("<int:pk>/apply/", views.job_apply, name="apply"),
]
