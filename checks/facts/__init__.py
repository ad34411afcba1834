"""Facts several rules read (messages, …), computed once per check run: the rule modules stay a catalogue."""
