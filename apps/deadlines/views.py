"""My deadlines and my calendar feed, and deadlines added or extended by hand on a case the user may change."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from apps.accounts.permissions import RoleRequiredMixin
from apps.audit.access import access_record
from apps.audit.choices import AccessAction
from apps.audit.services import client_ip
from apps.cases import permissions as case_permissions
from apps.cases.permissions import READER_ROLES
from apps.core.forms import add_service_errors

from . import feeds, selectors, services
from .forms import DeadlineForm, ExtensionForm
from .models import Deadline


class MyDeadlinesView(RoleRequiredMixin, TemplateView):
    template_name = "deadlines/mine.html"
    allowed_roles = READER_ROLES

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            pending=list(selectors.my_pending_deadlines(self.request.user)[:200]),
            recent=list(selectors.my_recently_closed_deadlines(self.request.user)[:100]),
            now=timezone.now(),
            **kwargs,
        )


class CaseDeadlineMixin(RoleRequiredMixin):
    allowed_roles = READER_ROLES

    def get_case(self):
        if not hasattr(self, "_case"):
            self._case = case_permissions.case_get_for_user(
                self.request.user, self.kwargs["pk"], case_permissions.CHANGE
            )
        return self._case

    def get_context_data(self, **kwargs):
        return super().get_context_data(case=self.get_case(), **kwargs)


class DeadlineCreateView(CaseDeadlineMixin, FormView):
    template_name = "deadlines/form.html"
    form_class = DeadlineForm

    def form_valid(self, form):
        try:
            services.deadline_create(
                actor=self.request.user, case=self.get_case(), ip=client_ip(self.request), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Deadline added."))
        return redirect("cases:tab", pk=self.get_case().pk, tab="deadlines")


class DeadlineExtendView(CaseDeadlineMixin, FormView):
    template_name = "deadlines/form.html"
    form_class = ExtensionForm

    def get_deadline(self) -> Deadline:
        deadline = Deadline.objects.filter(case=self.get_case(), pk=self.kwargs["deadline_pk"]).first()
        if deadline is None:
            raise Http404
        return deadline

    def get_context_data(self, **kwargs):
        return super().get_context_data(deadline=self.get_deadline(), **kwargs)

    def form_valid(self, form):
        try:
            services.deadline_extend(
                actor=self.request.user, deadline=self.get_deadline(), ip=client_ip(self.request), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Deadline extended."))
        return redirect("cases:tab", pk=self.get_case().pk, tab="deadlines")


class CalendarFeedView(RoleRequiredMixin, TemplateView):
    """Create, replace or revoke my calendar feed's secret link; the new link is shown once."""

    template_name = "deadlines/calendar.html"
    allowed_roles = READER_ROLES

    def get_context_data(self, **kwargs):
        return super().get_context_data(feed=selectors.calendar_feed_of(self.request.user), **kwargs)

    def post(self, request):
        action = request.POST.get("action")
        if action == "revoke":
            services.calendar_feed_revoke(actor=request.user, ip=client_ip(request))
            messages.success(request, _("The calendar link is revoked: calendars using it no longer receive updates."))
            return redirect("deadlines:calendar")
        if action != "renew":
            return HttpResponseBadRequest(_("Unknown action."), content_type="text/plain; charset=utf-8")
        token = services.calendar_feed_renew(actor=request.user, ip=client_ip(request))
        url = request.build_absolute_uri(reverse("deadlines:calendar_ics", args=[token]))
        return self.render_to_response(self.get_context_data(new_url=url))


class CalendarIcsView(View):
    """The feed itself, for calendar applications: no session, the secret token is the key."""

    def get(self, request, token):
        feed = selectors.calendar_feed_for_token(token)
        if feed is None:
            raise Http404
        services.calendar_feed_used(feed)
        deadlines = selectors.my_pending_deadlines(feed.user)[:500]
        body = feeds.calendar_bytes(deadlines, base_url=request.build_absolute_uri("/").rstrip("/"))
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        # The path is the feed's secret: the record names the feed, not its token.
        access_record(
            actor=feed.user,
            action=AccessAction.EXPORT,
            object_type="calendar_feed",
            object_id=feed.pk,
            label=_("Deadlines calendar (%(count)d deadlines)") % {"count": len(deadlines)},
            request=request,
            path="",
        )
        response["Content-Disposition"] = 'inline; filename="cnilcase-deadlines.ics"'
        response["Cache-Control"] = "private, max-age=900"
        response["Referrer-Policy"] = "no-referrer"
        return response
