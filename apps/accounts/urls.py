from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/2fa/verify/", views.OTPVerifyView.as_view(), name="otp_verify"),
    path("accounts/2fa/setup/", views.OTPSetupView.as_view(), name="otp_setup"),
    path("accounts/recovery-codes/", views.RecoveryCodesView.as_view(), name="recovery_codes"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
]
