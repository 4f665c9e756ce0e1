"""Issue a one-time enrolment link with which an account sets up its authenticator app."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from opencoop.operations import twofactor


class Command(BaseCommand):
    help = (
        "Print a one-time link with which USERNAME sets up two-factor sign-in (after signing in "
        "with the password). The link is shown only now; an earlier unused one stops working."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--hours",
            type=float,
            default=twofactor.ENROLMENT_LINK_LIFETIME.total_seconds() / 3600,
            help="how long the link stays valid (default 24, at most 168)",
        )

    def handle(self, *args, username: str, hours: float, **options) -> None:
        user_model = get_user_model()
        try:
            user = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist:
            raise CommandError(f"No account is called “{username}”.") from None
        if not user.is_active:
            raise CommandError(f"The account “{username}” is not active.")
        try:
            token, link = twofactor.issue_enrolment_link(user, lifetime=timedelta(hours=hours))
        except ValueError as error:
            raise CommandError(f"--hours {hours}: {error}") from None
        self.stdout.write(twofactor.enrolment_url(token))
        self.stderr.write(
            f"One-time enrolment link for {username}, valid until "
            f"{link.expires_at:%Y-%m-%d %H:%M %Z}. It is not stored: send it now."
        )
