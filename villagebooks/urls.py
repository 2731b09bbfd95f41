from django.urls import include, path

urlpatterns = [
    path("", include("villagebooks.web.urls")),
]
