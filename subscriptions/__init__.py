"""Subscription input as a library: a mapping or a YAML file in, validated Subscriptions out.

Used alike by the CLI (`jobalerts subscribe`, `--from FILE`) and the web app's forms.
"""
