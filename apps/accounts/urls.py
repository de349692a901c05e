from django.urls import path

from . import passkeys, views

app_name = "accounts"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/2fa/verify/", views.OTPVerifyView.as_view(), name="otp_verify"),
    path("accounts/2fa/setup/", views.OTPSetupView.as_view(), name="otp_setup"),
    # Passkeys: used at the second-factor step (open before it, like the code form), managed after it.
    path("accounts/2fa/passkey/begin/", passkeys.PasskeyVerifyBeginView.as_view(), name="passkey_verify_begin"),
    path(
        "accounts/2fa/passkey/complete/",
        passkeys.PasskeyVerifyCompleteView.as_view(),
        name="passkey_verify_complete",
    ),
    path("accounts/passkeys/", views.PasskeysView.as_view(), name="passkeys"),
    path("accounts/passkeys/remove/", views.PasskeyRemoveView.as_view(), name="passkey_remove"),
    path("accounts/passkeys/add/begin/", passkeys.PasskeyRegistrationBeginView.as_view(), name="passkey_add_begin"),
    path(
        "accounts/passkeys/add/complete/",
        passkeys.PasskeyRegistrationCompleteView.as_view(),
        name="passkey_add_complete",
    ),
    path("accounts/recovery-codes/", views.RecoveryCodesView.as_view(), name="recovery_codes"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
]
