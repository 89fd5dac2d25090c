package memory_test

import (
	"testing"

	"github.com/portalmfa/portalmfa/store/memory"
	"github.com/portalmfa/portalmfa/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) storetest.Store { return memory.New() })
}

func BenchmarkAcceptTOTPStep(b *testing.B) {
	storetest.BenchmarkAcceptTOTPStep(b, memory.New())
}

func BenchmarkRedeemBackupCode(b *testing.B) {
	storetest.BenchmarkRedeemBackupCode(b, memory.New())
}
