"""Citizens' personal data (docs/privacy.md).

    access        who may see which record; numbers and names in full or masked (the one policy)
    pseudonym     keyed hashes of numbers (ph:…) and chat contact ids (ct:…)
    reveal        a supervisor reveals one number with a reason (audited)
    retention     numbers to hashes, names removed, texts to a marker; batched, resumable, daily
    citizen       a citizen's request: everything held about a number; its erasure
    bot_trackers  deletes Rasa's trackers (its SQL tracker store): on erasure, and after a conversation ended

Nothing here imports another domain but the audit trail: the chat, calls and callbacks ask the
policy; retention and the citizen's request work on the tables directly.
"""
