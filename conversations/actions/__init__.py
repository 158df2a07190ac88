"""The rules of a conversation, by family (Zulip's `zerver/actions/` style).

`check_*` functions validate and authorise and raise ChatError; `do_*`
functions change state in one transaction and are the only places that send
events, after the commit. Consumers, views, commands and tests all call these;
nothing else writes conversations or messages.

The modules, lowest first (each imports only those above it in this list):
- `access`: finding a conversation a party may see, and the one way to lock it;
- `clients`: anonymous clients and their tokens;
- `transcript`: storing a line of the transcript (the message path);
- `queue`: the queue's order and positions, and telling parties of changes;
- `duty`: who is on duty and available, their limits, whether a desk answers now (presence, open consoles);
- `bot`: the chatbot's part and the hand-off to a person;
- `crisis`: what a client message of acute risk sets off;
- `starting`: opening a conversation;
- `guests`: a third participant (an interpreter, another professional): invitation, the client's
  consent, the one-time link, taking part, leaving and removal;
- `codes`: conversation codes: giving one, and a client coming back with it (rate-limited tries);
- `messages`: a party's message, and delivered/read receipts;
- `offline`: a message left for a desk when nobody answers live (status `message`, the desk's inbox);
- `typing`: typing indicators;
- `notes`: staff's private notes;
- `suggestions`: the chatbot's topics and the crisis signs for the client's latest lines, for the counsellor;
- `assignment`: taking, stepping in, transferring;
- `closing`: ending a conversation;
- `votes`: clients rating the bot's answers;
- `deletion`: the client deletes their conversation at once;
- `history`: closed conversations for staff to search and read back (reads only).
"""
