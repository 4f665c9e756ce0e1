"""`check --deploy` warns when visitors' addresses cannot be told apart behind the proxy."""

import pytest
from django.core.checks import run_checks
from django.test import override_settings


def deploy_warning_ids() -> set[str]:
    return {
        message.id
        for message in run_checks(include_deployment_checks=True)
        if message.id.startswith("opencoop.")
    }


@override_settings(OPENCOOP_CLIENT_IP_HEADER="")
def test_an_unset_client_ip_header_is_reported_by_check_deploy():
    warnings = [m for m in run_checks(include_deployment_checks=True) if m.id == "opencoop.W001"]
    assert len(warnings) == 1
    assert "OPENCOOP_CLIENT_IP_HEADER is not set" in warnings[0].msg
    assert "HTTP_X_REAL_IP" in warnings[0].hint


@override_settings(OPENCOOP_CLIENT_IP_HEADER="")
def test_the_warning_is_for_deployments_only():
    assert "opencoop.W001" not in {m.id for m in run_checks()}


@pytest.mark.parametrize("header", ["HTTP_X_REAL_IP", "REMOTE_ADDR"])
def test_a_proxy_header_or_an_explicit_remote_addr_satisfies_the_check(header):
    with override_settings(OPENCOOP_CLIENT_IP_HEADER=header):
        assert deploy_warning_ids() == set()


@override_settings(OPENCOOP_CLIENT_IP_HEADER="X-Real-IP")
def test_a_header_written_as_http_names_it_is_reported():
    assert deploy_warning_ids() == {"opencoop.W002"}
