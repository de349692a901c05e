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

from . import appeals, deliveries, sanctions, selectors, services
from .choices import DocumentKind
from .forms import (
    AppealForm,
    AppealOutcomeForm,
    AssessmentForm,
    DeliveryForm,
    FormalNoticeForm,
    LiquidationForm,
    MeasureCheckForm,
    MeasureFormSet,
    PublicationForm,
    ReceiptForm,
    SanctionDecisionForm,
    SuspensionForm,
    TurnoverForm,
)
from .models import Appeal, FormalNotice, Obligation, SanctionDecision


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


class ActionView(CaseOutcomeMixin, TemplateView):
    """A page of one object of a case that those who may change the case act on: each POST names an
    ``action``, which ``action()`` maps to (form, context key, service call). A refused action
    re-renders the page with the form's errors (400); a done one redirects back to the page."""

    case_perm = case_permissions.VIEW

    def get_document(self, case):
        raise NotImplementedError

    def current_document(self, case):
        if not hasattr(self, "_document"):
            self._document = self.get_document(case)
        return self._document

    def document_context(self, case, document) -> dict:
        return {}

    def action_forms(self, case, document) -> dict:
        """The empty forms of the page's actions, by context key (for those who may change the case)."""
        return {}

    def get_context_data(self, **kwargs):
        case = self.get_case()
        document = self.current_document(case)
        can_change = case_permissions.can_change(self.request.user, case)
        context = {
            "case": case,
            "document": document,
            "can_change": can_change,
            **self.document_context(case, document),
        }
        if can_change:
            for key, form in self.action_forms(case, document).items():
                context[key] = kwargs.pop(key, None) or form
                context[key].auto_id = f"id_{key}_%s"  # several forms on the page: distinct ids
        return super().get_context_data(**context, **kwargs)

    def action(self, name, case, document):
        return None

    def post(self, request, pk, **kwargs):
        case = self.get_case(case_permissions.CHANGE)
        document = self.current_document(case)
        found = self.action(request.POST.get("action"), case, document)
        if found is None:
            return HttpResponseBadRequest(_("Unknown action."), content_type="text/plain; charset=utf-8")
        form, key, call = found
        if form.is_valid():
            try:
                call(form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Recorded."))
                return redirect(request.path)
        return self.render_to_response(self.get_context_data(**{key: form}), status=400)


class DeliveredDocumentView(ActionView):
    """A formally delivered document's page: its deliveries, and (for the case team) the forms to
    record a sending and its receipt. Subclasses add their own actions."""

    document_kind = ""

    def get_context_data(self, **kwargs):
        case = self.get_case()
        document = self.current_document(case)
        deliveries_ = selectors.document_deliveries(self.document_kind, document)
        return super().get_context_data(deliveries=deliveries_, **kwargs)

    def action_forms(self, case, document) -> dict:
        return {"delivery_form": DeliveryForm(case=case), "receipt_form": ReceiptForm(case=case)}

    def action(self, name, case, document):
        request, ip = self.request, client_ip(self.request)
        if name == "delivery":
            return (
                DeliveryForm(request.POST, case=case),
                "delivery_form",
                lambda data: deliveries.delivery_record(
                    actor=request.user, document_kind=self.document_kind, document_id=document.pk, ip=ip, **data
                ),
            )
        if name == "receipt":
            sent = selectors.document_deliveries(self.document_kind, document)
            delivery = get_object_or_404(sent, pk=request.POST.get("delivery"))
            return (
                ReceiptForm(request.POST, case=case),
                "receipt_form",
                lambda data: deliveries.delivery_receipt_record(actor=request.user, delivery=delivery, ip=ip, **data),
            )
        return None


class FormalNoticeView(DeliveredDocumentView):
    """A formal notice: its findings and measures, its deliveries, and each measure's compliance."""

    template_name = "outcomes/notice_detail.html"
    document_kind = DocumentKind.FORMAL_NOTICE

    def get_document(self, case):
        return get_object_or_404(
            FormalNotice.objects.select_related("party__organisation"), case=case, pk=self.kwargs["notice_pk"]
        )

    def document_context(self, case, notice) -> dict:
        return {
            "notice": notice,
            "findings": notice.findings.select_related("assessment__obligation"),
            "measures": notice.measures.select_related("obligation"),
        }

    def action_forms(self, case, notice) -> dict:
        return super().action_forms(case, notice) | {"publication_form": PublicationForm()}

    def action(self, name, case, notice):
        if name == "publish_closure":
            return (
                PublicationForm(self.request.POST),
                "publication_form",
                lambda data: services.notice_closure_publish(
                    actor=self.request.user, notice=notice, ip=client_ip(self.request), **data
                ),
            )
        if name == "check":
            measure = get_object_or_404(notice.measures.all(), pk=self.request.POST.get("measure"))
            return (
                MeasureCheckForm(self.request.POST),
                "check_form",
                lambda data: services.measure_check(
                    actor=self.request.user, measure=measure, ip=client_ip(self.request), **data
                ),
            )
        return super().action(name, case, notice)


class OutcomeFormView(CaseOutcomeMixin, TemplateView):
    """One form on a case the user may change, handed to a service; its refusals shown on the form."""

    template_name = "outcomes/simple_form.html"
    form_class = None
    title = intro = ""
    success_message = _("Recorded.")

    def perform(self, data):
        """Call the service; return the URL to go to."""
        raise NotImplementedError

    def get(self, request, pk):
        return self._render(self.form_class(case=self.get_case()))

    def post(self, request, pk):
        form = self.form_class(request.POST, case=self.get_case())
        if form.is_valid():
            try:
                url = self.perform(form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, self.success_message)
                return redirect(url)
        return self._render(form, status=400)

    def _render(self, form, status=200):
        context = self.get_context_data(case=self.get_case(), form=form, title=self.title, intro=self.intro)
        return self.render_to_response(context, status=status)


class TurnoverView(OutcomeFormView):
    """Record a party's group worldwide turnover for a financial year (the base of the fine ceiling)."""

    form_class = TurnoverForm
    title = _("Group worldwide turnover")
    intro = _(
        "The fine ceiling uses the group's worldwide turnover of the financial year before the decision "
        "(GDPR Art. 83; CJEU C-383/23). Give its source."
    )
    success_message = _("Turnover recorded.")

    def perform(self, data):
        services.group_turnover_record(actor=self.request.user, ip=client_ip(self.request), **data)
        return reverse("cases:tab", args=[self.kwargs["pk"], "outcomes"])


class SanctionDecisionCreateView(OutcomeFormView):
    """The decision closing a sanction procedure; a fine over its ceiling is refused with the figures."""

    form_class = SanctionDecisionForm
    title = _("Sanction decision")
    intro = _(
        "Taken by the restricted committee (its president alone in the simplified procedure). The fine "
        "ceiling is computed from the infringements' tiers and the group's turnover; the simplified "
        "procedure is limited to EUR 20,000, a periodic penalty of EUR 100 a day, and no publication."
    )
    success_message = _("Decision recorded. Record its delivery when it is notified.")

    def perform(self, data):
        decision = sanctions.sanction_decide(actor=self.request.user, ip=client_ip(self.request), **data)
        return reverse("outcomes:decision", args=[self.kwargs["pk"], decision.pk])


class SanctionDecisionView(DeliveredDocumentView):
    template_name = "outcomes/decision_detail.html"
    document_kind = DocumentKind.DECISION

    def get_document(self, case):
        return get_object_or_404(
            SanctionDecision.objects.select_related("party__organisation", "turnover"),
            case=case,
            pk=self.kwargs["decision_pk"],
        )

    def document_context(self, case, decision) -> dict:
        return {
            "decision": decision,
            "findings": decision.findings.select_related("assessment__obligation"),
            "ceiling_lines": decision.ceiling_explanation.splitlines(),
            "appeal": selectors.decision_appeal(decision),
            "liquidations": selectors.decision_liquidations(decision),
        }

    def action_forms(self, case, decision) -> dict:
        return super().action_forms(case, decision) | {
            "appeal_form": AppealForm(),
            "suspension_form": SuspensionForm(),
            "appeal_outcome_form": AppealOutcomeForm(),
            "liquidation_form": LiquidationForm(),
        }

    def action(self, name, case, decision):
        request, ip = self.request, client_ip(self.request)
        if name == "appeal":
            return (
                AppealForm(request.POST),
                "appeal_form",
                lambda data: appeals.appeal_lodge(actor=request.user, decision=decision, ip=ip, **data),
            )
        if name in ("suspension", "appeal_outcome"):
            appeal = get_object_or_404(Appeal, decision=decision)
            if name == "suspension":
                return (
                    SuspensionForm(request.POST),
                    "suspension_form",
                    lambda data: appeals.appeal_suspension_record(actor=request.user, appeal=appeal, ip=ip, **data),
                )
            return (
                AppealOutcomeForm(request.POST),
                "appeal_outcome_form",
                lambda data: appeals.appeal_outcome_record(actor=request.user, appeal=appeal, ip=ip, **data),
            )
        if name == "liquidation":
            return (
                LiquidationForm(request.POST),
                "liquidation_form",
                lambda data: appeals.liquidation_open(actor=request.user, decision=decision, ip=ip, **data),
            )
        return super().action(name, case, decision)
