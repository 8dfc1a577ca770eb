"""The AMI settings: read from the environment, secret kept out of reprs."""

from __future__ import annotations

import pytest

from contact_center.calls.ami.connector import AmiConfig
from contact_center.config import SettingError, Settings


def test_defaults_mean_no_ami_connection():
    s = Settings.from_env({})
    assert (s.ami_host, s.ami_port, s.ami_username, s.ami_secret, s.ami_queues) == ("", 5038, "", "", frozenset())
    assert s.pbx_stale_call_hours == 12


def test_the_four_settings_and_the_queue_filter():
    s = Settings.from_env({"AMI_HOST": " 10.20.0.5 ", "AMI_PORT": "5039", "AMI_USERNAME": "cc142",
                           "AMI_SECRET": "k8#s:ecret", "AMI_QUEUES": "142, Support ,,143",
                           "PBX_STALE_CALL_HOURS": "6"})
    assert (s.ami_host, s.ami_port, s.ami_username, s.ami_secret) == ("10.20.0.5", 5039, "cc142", "k8#s:ecret")
    assert s.ami_queues == frozenset({"142", "Support", "143"})
    assert s.pbx_stale_call_hours == 6
    config = AmiConfig.from_settings(s)
    assert config.queues == frozenset({"142", "support", "143"}) and config.peer == "10.20.0.5:5039"
    assert "k8#s:ecret" not in repr(s) and "k8#s:ecret" not in repr(config)


def test_a_bad_port_is_a_clear_setting_error():
    with pytest.raises(SettingError, match="AMI_PORT must be an integer"):
        Settings.from_env({"AMI_PORT": "five"})
