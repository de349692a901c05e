"""Administration of accounts and roles. Every change goes through ``services``."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.forms import BaseUserCreationForm
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.audit.services import client_ip

from . import services
from .choices import Role
from .models import User
from .selectors import active_administrators


class RolesField(forms.MultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False, label=_("Roles"), **kwargs
        )


class UserCreationForm(BaseUserCreationForm):
    roles = RolesField()

    class Meta:
        model = User
        fields = ("email", "full_name", "kind")


class UserChangeForm(forms.ModelForm):
    roles = RolesField()

    class Meta:
        model = User
        fields = ("email", "full_name", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["roles"].initial = sorted(self.instance.roles)

    def clean(self):
        cleaned = super().clean()
        stays_admin = Role.ADMINISTRATOR in cleaned.get("roles", ()) and cleaned.get("is_active", True)
        if not stays_admin and [u.pk for u in active_administrators()] == [self.instance.pk]:
            raise forms.ValidationError(
                _("This is the last active administrator: give the role to someone else first.")
            )
        return cleaned


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("email", "full_name", "kind", "role_list", "is_active", "last_login")
    list_filter = ("kind", "is_active", "groups")
    search_fields = ("email", "full_name")
    ordering = ("full_name",)
    readonly_fields = ("kind", "last_login", "date_joined")
    actions = ["reset_second_factor"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = UserChangeForm if obj else UserCreationForm
        kwargs["fields"] = None
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ("email", "full_name", "kind", "password1", "password2", "roles")})]
        return [
            (None, {"fields": ("email", "full_name", "kind", "is_active", "roles")}),
            (_("Dates"), {"fields": ("last_login", "date_joined")}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    @admin.display(description=_("Roles"))
    def role_list(self, obj):
        return ", ".join(str(Role(r).label) for r in sorted(obj.roles))

    def has_delete_permission(self, request, obj=None):
        # Accounts are deactivated, never deleted: audit events and history point at them.
        return False

    def save_model(self, request, obj, form, change):
        ip = client_ip(request)
        data = form.cleaned_data
        if not change:
            created = services.user_create(
                actor=request.user,
                email=data["email"],
                full_name=data["full_name"],
                password=data.get("password1") or None,
                kind=data["kind"],
                roles=data.get("roles", ()),
                ip=ip,
            )
            obj.pk = created.pk
            return
        user = User.objects.get(pk=obj.pk)
        services.user_update(actor=request.user, user=user, full_name=data["full_name"], email=data["email"], ip=ip)
        if "is_active" in form.changed_data:
            if data["is_active"]:
                services.user_reactivate(actor=request.user, user=user, ip=ip)
            else:
                services.user_deactivate(actor=request.user, user=user, ip=ip)
        services.user_set_roles(actor=request.user, user=user, roles=data.get("roles", ()), ip=ip)

    def save_related(self, request, form, formsets, change):
        # Roles were saved by save_model through the service; nothing else is related.
        return

    @admin.action(description=_("Reset the second factor (the user enrols again at next login)"))
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            services.second_factor_reset(actor=request.user, user=user, ip=client_ip(request))
        self.message_user(request, _("Second factor reset."), messages.SUCCESS)


# Second-factor devices hold secrets: administrators reset them (action above), never read them.
for model in (Group, TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(Group)
class RoleGroupAdmin(BaseGroupAdmin):
    """Roles are groups: their permissions are reference data administrators may tune."""

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.name not in Role.values
