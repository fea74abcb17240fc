"""mmengine Runner checkpoints resume under torch's safe ``torch.load``
(``weights_only=True``) once slimmm allowlists mmengine's own types."""
import os.path as osp

import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

import slimmm  # noqa: F401  (installs the allowlist)


class ToyData(Dataset):

    def __init__(self):
        gen = torch.Generator().manual_seed(0)
        self.x = torch.randn(16, 4, generator=gen)
        self.y = self.x @ torch.tensor([1.0, -2.0, 0.5, 3.0])

    def __len__(self):
        return len(self.x)

    def __getitem__(self, index):
        return dict(inputs=self.x[index], targets=self.y[index])


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 1)

    def forward(self, inputs, targets=None, mode='loss'):
        pred = self.fc(inputs).squeeze(1)
        if mode == 'loss':
            return dict(loss=((pred - targets)**2).mean())
        return pred


class CountIters(Hook):

    def __init__(self):
        self.ran = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.ran.append(runner.iter)


def make_runner(work_dir, max_iters, resume=False, counter=None):
    torch.manual_seed(0)
    return Runner(
        model=ToyModel(),
        work_dir=work_dir,
        train_dataloader=dict(
            dataset=ToyData(),
            sampler=dict(type='DefaultSampler', shuffle=True, seed=0),
            batch_size=4,
            collate_fn=dict(type='default_collate'),
            num_workers=0),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.05,
                                          momentum=0.9)),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=3,
                            by_epoch=False),
            logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=[counter] if counter else None,
        resume=resume,
        randomness=dict(seed=0),
        default_scope='mmengine')


def test_runner_resumes_under_the_safe_loader(tmp_path):
    work_dir = str(tmp_path / 'work')
    first = make_runner(work_dir, max_iters=3)
    first.train()
    ckpt = osp.join(work_dir, 'iter_3.pth')
    assert osp.isfile(ckpt)
    saved_weight = first.model.fc.weight.detach().clone()

    # The file holds mmengine objects (message hub history) and still
    # loads with the safe loader.
    state = torch.load(ckpt, map_location='cpu', weights_only=True)
    assert 'message_hub' in state and state['meta']['iter'] == 3

    counter = CountIters()
    second = make_runner(work_dir, max_iters=6, resume=True, counter=counter)
    second.train()  # resume=True finds iter_3.pth in the work dir
    assert counter.ran == [3, 4, 5]  # continued, did not start over
    assert second.iter == 6
    assert osp.isfile(osp.join(work_dir, 'iter_6.pth'))
    history = second.message_hub.get_scalar('train/loss').data[0]
    assert len(history) == 6  # 3 losses restored + 3 new ones

    third = make_runner(str(tmp_path / 'work3'), max_iters=3)
    third.load_checkpoint(ckpt)
    assert torch.equal(third.model.fc.weight, saved_weight)
