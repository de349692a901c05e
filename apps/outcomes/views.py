"""Assessing a party's obligation (and recording the finding of an infringement) on a case the user may change."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from apps.accounts.permissions import RoleRequiredMixin
from apps.audit.services import client_ip
from apps.cases import permissions as case_permissions
from apps.core.forms import add_service_errors

from . import selectors, services
from .choices import DocumentKind
from .forms import AssessmentForm, DeliveryForm, FormalNoticeForm, MeasureCheckForm, MeasureFormSet, ReceiptForm
from .models import FormalNotice, Obligation


class AssessmentView(RoleRequiredMixin, FormView):
    template_name = "outcomes/assessment_form.html"
    form_class = AssessmentForm
    allowed_roles = case_permissions.READER_ROLES

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self._loaded = False

    def _load(self):
        if not self._loaded:
            self.case = case_permissions.case_get_for_user(
                self.request.user, self.kwargs["pk"], case_permissions.CHANGE
            )
            self.party = get_object_or_404(self.case.parties.select_related("organisation"), pk=self.kwargs["party_pk"])
            self.obligation = get_object_or_404(Obligation, pk=self.kwargs["obligation_pk"])
            self.assessment = selectors.assessment_for(self.party, self.obligation)
            self._loaded = True

    def get_form_kwargs(self):
        self._load()
        kwargs = {**super().get_form_kwargs(), "case": self.case}
        if self.assessment is not None:
            initial = {
                "status": self.assessment.status,
                "reasoning": self.assessment.reasoning,
                "evidence": list(self.assessment.evidence.all()),
            }
            finding = getattr(self.assessment, "finding", None)
            if finding is not None:
                initial |= {name: getattr(finding, name) for name in services.FINDING_FIELDS}
                initial["finding_evidence"] = list(finding.evidence.all())
            kwargs["initial"] = initial
        else:
            kwargs["initial"] = {"processing": self.party.processing}
        return kwargs

    def get_context_data(self, **kwargs):
        self._load()
        return super().get_context_data(
            case=self.case, party=self.party, obligation=self.obligation, assessment=self.assessment, **kwargs
        )

    def form_valid(self, form):
        data = form.cleaned_data
        finding = {name: data.get(name) for name in services.FINDING_FIELDS}
        finding["evidence"] = data["finding_evidence"]
        try:
            services.assessment_record(
                actor=self.request.user,
                party=self.party,
                obligation=self.obligation,
                status=data["status"],
                reasoning=data["reasoning"],
                evidence=data["evidence"],
                finding=finding,
                ip=client_ip(self.request),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Assessment recorded."))
        return redirect(reverse("cases:tab", args=[self.case.pk, "outcomes"]))


class CaseOutcomeMixin(RoleRequiredMixin):
    allowed_roles = case_permissions.READER_ROLES
    case_perm = case_permissions.CHANGE

    def get_case(self, perm=None):
        cache = f"_case_{perm or self.case_perm}"
        if not hasattr(self, cache):
            setattr(
                self,
                cache,
                case_permissions.case_get_for_user(self.request.user, self.kwargs["pk"], perm or self.case_perm),
            )
        return getattr(self, cache)


class FormalNoticeCreateView(CaseOutcomeMixin, TemplateView):
    """The President's formal notice, as recorded by the investigator: findings, measures, period, publicity."""

    template_name = "outcomes/notice_form.html"

    def get(self, request, pk):
        return self._render(FormalNoticeForm(case=self.get_case()), MeasureFormSet(prefix="measures"))

    def post(self, request, pk):
        case = self.get_case()
        form = FormalNoticeForm(request.POST, case=case)
        measures = MeasureFormSet(request.POST, prefix="measures")
        if not (form.is_valid() and measures.is_valid()):
            return self._render(form, measures, status=400)
        data = form.cleaned_data
        try:
            notice = services.formal_notice_issue(
                actor=request.user,
                party=data["party"],
                findings=data["findings"],
                measures=[m for m in measures.cleaned_data if m],
                decision_reference=data["decision_reference"],
                decided_on=data["decided_on"],
                urgent=data["urgent"],
                period_days=data["period_days"],
                public=data["public"],
                bureau_decision_reference=data["bureau_decision_reference"],
                published_on=data["published_on"],
                ip=client_ip(request),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self._render(form, measures, status=400)
        messages.success(request, _("Formal notice recorded. Record its delivery when it is sent."))
        return redirect("outcomes:notice", pk=case.pk, notice_pk=notice.pk)

    def _render(self, form, measures, status=200):
        context = self.get_context_data(case=self.get_case(), form=form, measures=measures)
        return self.render_to_response(context, status=status)


class FormalNoticeView(CaseOutcomeMixin, TemplateView):
    """A formal notice: its findings and measures, its deliveries, and (for the case team) the forms
    to record a delivery, its receipt and each measure's compliance."""

    template_name = "outcomes/notice_detail.html"
    case_perm = case_permissions.VIEW

    def get_notice(self, case):
        return get_object_or_404(
            FormalNotice.objects.select_related("party__organisation"), case=case, pk=self.kwargs["notice_pk"]
        )

    def get_context_data(self, **kwargs):
        case = self.get_case()
        notice = self.get_notice(case)
        can_change = case_permissions.can_change(self.request.user, case)
        deliveries = selectors.notice_deliveries(notice)
        context = {
            "case": case,
            "notice": notice,
            "findings": notice.findings.select_related("assessment__obligation"),
            "measures": notice.measures.select_related("obligation"),
            "deliveries": deliveries,
            "can_change": can_change,
        }
        if can_change:
            context["delivery_form"] = kwargs.pop("delivery_form", None) or DeliveryForm(case=case)
            context["receipt_form"] = kwargs.pop("receipt_form", None) or ReceiptForm(case=case)
            context["check_form"] = kwargs.pop("check_form", None) or MeasureCheckForm()
        return super().get_context_data(**context, **kwargs)

    def post(self, request, pk, notice_pk):
        case = self.get_case(case_permissions.CHANGE)
        notice = self.get_notice(case)
        action, ip = request.POST.get("action"), client_ip(request)
        if action == "delivery":
            form, key = DeliveryForm(request.POST, case=case), "delivery_form"
            call = lambda data: services.delivery_record(  # noqa: E731
                actor=request.user, document_kind=DocumentKind.FORMAL_NOTICE, document_id=notice.pk, ip=ip, **data
            )
        elif action == "receipt":
            delivery = get_object_or_404(selectors.notice_deliveries(notice), pk=request.POST.get("delivery"))
            form, key = ReceiptForm(request.POST, case=case), "receipt_form"
            call = lambda data: services.delivery_receipt_record(  # noqa: E731
                actor=request.user, delivery=delivery, ip=ip, **data
            )
        elif action == "check":
            measure = get_object_or_404(notice.measures.all(), pk=request.POST.get("measure"))
            form, key = MeasureCheckForm(request.POST), "check_form"
            call = lambda data: services.measure_check(actor=request.user, measure=measure, ip=ip, **data)  # noqa: E731
        else:
            return HttpResponseBadRequest(_("Unknown action."), content_type="text/plain; charset=utf-8")
        if form.is_valid():
            try:
                call(form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Recorded."))
                return redirect("outcomes:notice", pk=case.pk, notice_pk=notice.pk)
        return self.render_to_response(self.get_context_data(**{key: form}), status=400)
