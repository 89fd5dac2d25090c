package memory_test

import (
	"testing"

	"github.com/portalmfa/portalmfa/store/memory"
	"github.com/portalmfa/portalmfa/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) storetest.Store { return memory.New() })
	t.Run("Summaries", func(t *testing.T) {
		storetest.RunSummaries(t, func(*testing.T) storetest.SummaryStore { return memory.New() })
	})
	t.Run("Log", func(t *testing.T) {
		storetest.RunLog(t, func(*testing.T) storetest.LogStore { return memory.New() })
	})
}

func BenchmarkAcceptTOTPStep(b *testing.B) {
	storetest.BenchmarkAcceptTOTPStep(b, memory.New())
}

func BenchmarkRedeemBackupCode(b *testing.B) {
	storetest.BenchmarkRedeemBackupCode(b, memory.New())
}

func BenchmarkUseDevice(b *testing.B) {
	storetest.BenchmarkUseDevice(b, memory.New())
}

func BenchmarkRecordEvent(b *testing.B) {
	storetest.BenchmarkRecordEvent(b, memory.New())
}

func BenchmarkUsePasskey(b *testing.B) {
	storetest.BenchmarkUsePasskey(b, memory.New())
}

func BenchmarkTakeCeremony(b *testing.B) {
	storetest.BenchmarkTakeCeremony(b, memory.New())
}

func BenchmarkAccounts10k(b *testing.B) {
	storetest.BenchmarkAccounts(b, memory.New(), nil)
}

func BenchmarkLog(b *testing.B) {
	storetest.BenchmarkLog(b, memory.New(), nil)
}
