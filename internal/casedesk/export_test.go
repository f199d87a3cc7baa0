package casedesk

// BoardCacheSize is how many rendered boards h keeps (tests).
func (h *Handlers) BoardCacheSize() int { return h.boards.size() }

// BoardRenders is how many boards h has rendered for the cache (tests).
func (h *Handlers) BoardRenders() uint64 { return h.boards.rendered() }
